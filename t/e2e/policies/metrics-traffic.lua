-- metrics-traffic.lua: rejects the recipient <trap@example.org>, fails
-- (a Lua error) at eom when the Subject is "boom", stamps X-Policy: v1.
local milter = require "milter"
local P = milter.Milter:extend()
function P:envrcpt(to)
  if to == "<trap@example.org>" then
    self:setreply("550", "5.7.1", "No such user")
    return milter.REJECT
  end
end
function P:header(name, value)
  if name:lower() == "subject" then self.subject = value end
end
function P:eom()
  if self.subject == "boom" then error("boom") end
  self:addheader("X-Policy", "v1")
end
return P
