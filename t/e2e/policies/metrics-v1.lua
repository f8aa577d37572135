-- metrics-v1.lua: policy metrics through milter.metrics: a counter with a
-- label (the greylisting outcome, from the HELO name: "new-..." or not),
-- a histogram of a score (the body length) and a gauge; X-Policy: v1.
local milter = require "milter"
local metrics = require "milter.metrics"
local P = milter.Milter:extend()   -- every callback, so miltertest may drive each

P.metrics = {
  greylist = { type = "counter", help = "Greylisting outcomes", labels = { "outcome" } },
  score = { type = "histogram", help = "Policy score", buckets = { 0, 1, 2, 5, 10 } },
  inflight = { type = "gauge", help = "Messages being checked" },
}
metrics.declare(P)          -- what the engine does at load, once wired
P.metric = metrics.metric   -- self:metric, until the engine installs it

function P:hello(name) self.helo = name end
function P:envfrom() self:metric("inflight", 1) end
function P:body(chunk) self.size = (self.size or 0) + #chunk end
function P:eom()
  local outcome = self.helo:match("^new") and "new" or "pass"
  self:metric("greylist", 1, { outcome = outcome })
  self:metric("score", self.size or 0)
  self:metric("inflight", 0)
  self:addheader("X-Policy", "v1")
end
return P
