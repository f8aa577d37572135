-- metrics-v2-gauge.lua: metrics-v1 with greylist turned into a gauge,
-- which a reload must refuse (a metric keeps its type until restart).
local milter = require "milter"
local metrics = require "milter.metrics"
local P = milter.Milter:extend()   -- every callback, so miltertest may drive each
P.metrics = {
  greylist = { type = "gauge", help = "Greylisting outcomes", labels = { "outcome" } },
}
metrics.declare(P)
function P:eom() self:addheader("X-Policy", "v2") end
return P
