-- storyteller.lua: a policy whose messages end in every way, for the log
-- lines that tell each message's story (t/e2e/381).  It has no connect
-- callback: luamilter still names the client.
local milter = require "milter"
local P = milter.Base:extend()
P.noreply = { "header" }
function P:envfrom() end
function P:envrcpt(to)
  if to == "<no@x>" then
    self:setreply("550", "5.1.1", to .. ": 100% unknown")
    return milter.REJECT
  end
  if to == "<boom@x>" then error("boom in envrcpt") end
end
function P:header(name, value)
  if name == "X-Fail" then error("failed in a noreply header") end
  if name == "X-Ignored" then return milter.REJECT end
  if name == "Subject" then self.subject = value end
end
function P:eom()
  if self.subject == "hold" then self:quarantine("held for review") end
  if self.subject == "refuse" then
    self:setreply("554", "5.7.1", "Refused by policy")
    return milter.REJECT
  end
  self:addheader("X-Story", "told")
end
return P
