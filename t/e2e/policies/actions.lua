-- actions.lua: at eom performs the action named by the Subject header.
local milter = require "milter"
local P = milter.Base:extend()
function P:connect() end
function P:envfrom() end
function P:eoh() end
function P:body() end
function P:envrcpt() end
function P:header(name, value) if name == "Subject" then self.what = value end end
function P:eom()
  local w = self.what
  if w == "addheader" then self:addheader("X-Added", "yes")
  elseif w == "insheader" then self:addheader("X-Inserted", "top", 0)
  elseif w == "chgheader" then self:chgheader("Subject", 1, "changed")
  elseif w == "delheader" then self:chgheader("X-Remove", 1, nil)
  elseif w == "addrcpt" then self:addrcpt("<added@example.org>")
  elseif w == "addrcpt_par" then self:addrcpt("<added@example.org>", "NOTIFY=NEVER")
  elseif w == "delrcpt" then self:delrcpt("<b@example.org>")
  elseif w == "replacebody" then self:replacebody("new body\r\n")
  elseif w == "chgfrom" then self:chgfrom("<new@example.com>", "SIZE=10")
  elseif w == "quarantine" then self:quarantine("held for review")
  elseif w == "progress" then self:progress()
  elseif w == "setreply" then
    self:setreply("550", "5.7.1", "Rejected by policy")
    return milter.REJECT
  elseif w == "mlreply" then
    self:setreply("550", "5.7.1", "first line", "second line")
    return milter.REJECT
  elseif w == "tempreply" then
    self:setreply("451", "4.7.1", "Try later")
    return milter.TEMPFAIL
  end
  return milter.CONTINUE
end
return P
