-- masker.lua: a class with its own protocol_mask (pymilter's
-- protocol_mask()): it defines body and envrcpt, yet keeps P_NOBODY and
-- P_NR_RCPT in the negotiated word.  eom reports both masks.
local milter = require "milter"
local P = milter.Base:extend()
P.noreply = { "header" }
function P:connect() end
function P:envfrom() end
function P:envrcpt() end
function P:header() end
function P:body() self.body_seen = true end
function P:eom()
  self:addheader("X-Mask", string.format("%d", self:protocol_mask()))
  self:addheader("X-Base-Mask", string.format("%d", milter.Base.protocol_mask(P)))
  self:addheader("X-Body-Seen", tostring(self.body_seen or false))
end
function P:protocol_mask()
  return milter.Base.protocol_mask(self) & ~(milter.P_NOBODY | milter.P_NR_RCPT)
end
return P
