-- metrics-helo-label.lua: a (bad) policy labelling a metric by the HELO
-- name, so that every client makes a new series: metrics_max_series caps
-- them.  It also tries a label value that is not UTF-8.
local milter = require "milter"
local metrics = require "milter.metrics"
local P = milter.Milter:extend()   -- every callback, so miltertest may drive each
P.metrics = {
  helos = { type = "counter", help = "Messages by HELO name (do not do this)", labels = { "helo" } },
}
metrics.declare(P)
P.metric = metrics.metric
function P:hello(name) self.helo = name end
function P:eom() self:metric("helos", 1, { helo = self.helo }) end
return P
