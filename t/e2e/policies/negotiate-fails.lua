-- negotiate-fails.lua: negotiate() raises every time.
local milter = require "milter"
local P = milter.Base:extend()
function P:negotiate(actions, protocol)
  error("boom in negotiate")
end
function P:connect() end
function P:eom() self:addheader("X-Reached", "eom") end
return P
