-- metrics-v3-labels.lua: metrics-v1 with a label added to greylist, which
-- a reload must refuse.
local milter = require "milter"
local metrics = require "milter.metrics"
local P = milter.Base:extend()
P.metrics = {
  greylist = { type = "counter", help = "Greylisting outcomes", labels = { "outcome", "zone" } },
}
metrics.declare(P)
function P:eom() self:addheader("X-Policy", "v3") end
-- every callback miltertest drives
function P:connect() end
function P:hello() end
function P:envfrom() end
function P:envrcpt() end
function P:header() end
function P:eoh() end
function P:body() end
return P
