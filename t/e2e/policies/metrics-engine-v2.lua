-- metrics-engine-v2.lua: metrics-engine-v1 with greylist turned into a
-- gauge: the engine's load check must refuse the reload.
local milter = require "milter"
local P = milter.Milter:extend()   -- every callback, so miltertest may drive each
P.metrics = {
  greylist = { type = "gauge", help = "Greylisting outcomes", labels = { "outcome" } },
}
function P:eom() self:addheader("X-Policy", "e2") end
return P
