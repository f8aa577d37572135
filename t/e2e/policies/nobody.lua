-- nobody.lua: no body callback: the MTA is told not to send the body.
local milter = require "milter"
local P = milter.Base:extend()
P.noreply = { "header" }
function P:connect() end
function P:envfrom() end
function P:envrcpt() end
function P:header() end
function P:eom() self:addheader("X-Nobody", "yes") end
return P
