-- negotiator.lua: overrides negotiation: only ADDHDRS, and asks for macros.
local milter = require "milter"
local P = milter.Base:extend()
function P:negotiate(actions, protocol)
  self:setsmlist("connect", "{client_addr} j")
  return milter.CONTINUE, milter.ADDHDRS, protocol & (milter.P_NOBODY | milter.P_NOHDRS)
end
function P:connect() end
function P:eom() self:addheader("X-Negotiated", "yes") end
return P
