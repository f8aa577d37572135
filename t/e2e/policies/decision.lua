-- decision.lua: verdicts for the decision record scenarios (45x).  The
-- client name "blocked.example" is refused at connect; a recipient with
-- "trap" is rejected, one with "later" tempfailed; the Subject names the
-- message's verdict at eom (reject, tempfail, discard, quarantine, error,
-- bytes, big; anything else is delivered with a header added).  Notes say
-- why.
local milter = require "milter"
local P = milter.Base:extend()

function P:connect(host)
  self:note("client_seen", true)
  if host == "blocked.example" then
    self:note("rule", "blocklist")
    self:setreply("554", "5.7.1", "go away")
    return milter.REJECT
  end
  return milter.CONTINUE
end

function P:hello() return milter.CONTINUE end
function P:envfrom() return milter.CONTINUE end
function P:eoh() return milter.CONTINUE end
function P:body() return milter.CONTINUE end
function P:abort() return milter.CONTINUE end

function P:envrcpt(rcpt)
  if rcpt:find("trap", 1, true) then
    self:note("rule", "trap")
    self:setreply("550", "5.1.1", "no such user")
    return milter.REJECT
  elseif rcpt:find("later", 1, true) then
    self:setreply("451", "4.2.0", "try later")
    return milter.TEMPFAIL
  end
  return milter.CONTINUE
end

function P:header(name, value)
  if name == "Subject" then self.subject = value end
  if name == "X-Big" then self.big = value end
  return milter.CONTINUE
end

function P:eom()
  local s = self.subject or ""
  self:note("score", 2.5)
  self:note("tags", { "a", 1, false })
  if s == "reject" then
    self:note("rule", "subject")
    self:setreply("550", "5.7.1", "spam")
    return milter.REJECT
  elseif s == "tempfail" then
    self:setreply("451", "4.7.1", "greylisted")
    return milter.TEMPFAIL
  elseif s == "discard" then
    return milter.DISCARD
  elseif s == "quarantine" then
    self:quarantine("held for review")
    return milter.CONTINUE
  elseif s == "error" then
    error("boom at eom")
  elseif s == "bytes" then
    self:note("raw", "nul\0byte \xff\xfe end \xc3\xa9")
    local _, e1 = pcall(self.note, self, "t", { x = 1 })
    local _, e2 = pcall(self.note, self, "f", print)
    local _, e3 = pcall(self.note, self, "", 1)
    self:note("refused", { e1, e2, e3 })
    self:addheader("X-Raw", "caf\xc3\xa9 \xff")
  elseif s == "big" then
    self:note("big", string.rep(self.big, (1 << 20) // #self.big + 1))  -- 1 MiB
    self:addheader("X-Big-Copy", self.big)
  end
  self:addheader("X-Checked", "yes")
  self:chgheader("Subject", 1, "[checked] " .. s)
  self:replacebody("new body\r\n")
  self:replacebody("more\r\n")
  return milter.CONTINUE
end

return P
