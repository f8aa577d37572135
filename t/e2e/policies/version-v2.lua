-- version-v2.lua: stamps X-Policy: v2 at eom.
local milter = require "milter"
local P = milter.Base:extend()
function P:connect() end
function P:envfrom() end
function P:envrcpt() end
function P:eom() self:addheader("X-Policy", "v2") end
return P
