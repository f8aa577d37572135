-- broken.lua: a syntax error on line 4.
local milter = require "milter"
local P = milter.Base:extend()
function P:eom( self:addheader("X", "y") end
return P
