-- metrics-engine-v1.lua: Policy.metrics and self:metric as the engine
-- provides them (no require "milter.metrics"): a counter with a label
-- (from the HELO name: "new-..." or not); X-Policy: e1.
local milter = require "milter"
local P = milter.Milter:extend()   -- every callback, so miltertest may drive each
P.metrics = {
  greylist = { type = "counter", help = "Greylisting outcomes", labels = { "outcome" } },
}
function P:hello(name) self.helo = name end
function P:eom()
  self:metric("greylist", 1, { outcome = self.helo:match("^new") and "new" or "pass" })
  self:addheader("X-Policy", "e1")
end
return P
