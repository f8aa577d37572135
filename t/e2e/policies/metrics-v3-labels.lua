-- metrics-v3-labels.lua: metrics-v1 with a label added to greylist, which
-- a reload must refuse.
local milter = require "milter"
local metrics = require "milter.metrics"
local P = milter.Milter:extend()   -- every callback, so miltertest may drive each
P.metrics = {
  greylist = { type = "counter", help = "Greylisting outcomes", labels = { "outcome", "zone" } },
}
metrics.declare(P)
function P:eom() self:addheader("X-Policy", "v3") end
return P
