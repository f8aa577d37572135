-- metrics-v4-more.lua: metrics-v1's greylist unchanged (reworded help)
-- plus a new metric: a reload that is accepted; X-Policy: v4.
local milter = require "milter"
local metrics = require "milter.metrics"
local P = milter.Milter:extend()   -- every callback, so miltertest may drive each
P.metrics = {
  greylist = { type = "counter", help = "Greylisting outcomes (v4)", labels = { "outcome" } },
  dnsbl_hits = { type = "counter", help = "DNSBL hits", labels = { "zone" } },
}
metrics.declare(P)
P.metric = metrics.metric
function P:eom()
  self:metric("greylist", 1, { outcome = "pass" })
  self:metric("dnsbl_hits", 1, { zone = "zen" })
  self:addheader("X-Policy", "v4")
end
return P
