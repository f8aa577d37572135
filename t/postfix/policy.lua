-- policy.lua for t/postfix/run: exercises what Postfix applies.
local milter = require "milter"
local P = milter.Base:extend()

function P:envfrom(from)
  self.from, self.subject = from, nil
end

function P:envrcpt(to)
  if to == "<reject@example.org>" then
    self:setreply("550", "5.7.1", "reject@example.org is not welcome here")
    return milter.REJECT
  end
  if to == "<user%relay@example.org>" then
    self:setreply("550", "5.1.1", "user%relay@example.org: 100% unknown here")
    return milter.REJECT
  end
end

function P:header(name, value)
  if name:lower() == "subject" then self.subject = value end
end

function P:eom()
  self:addheader("X-Luamilter", "checked")
  self:addheader("X-Policy", "v1")
  self:addheader("X-Sender-Seen", self.from or "?")
  self:addheader("X-Macros", string.format("j=%s daemon=%s client=%s i=%s",
    self:getsymval("j") or "nil", self:getsymval("{daemon_name}") or "nil",
    self:getsymval("{client_addr}") or "nil", self:getsymval("i") or "nil"))
  local s = self.subject
  if s == "change-me" then
    self:chgheader("Subject", 1, "changed by luamilter")
  elseif s == "rewrite" then
    self:replacebody("replaced by luamilter\r\n")
    self:addrcpt("<added@example.org>")
    self:delrcpt("<dropme@example.org>")
  elseif s == "hold-me" then
    self:quarantine("held by luamilter")
  end
  return milter.CONTINUE
end

return P
