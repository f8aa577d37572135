-- with-tests.lua: a policy carrying three passing in-policy tests (each
-- runs in a test context of its own when the script is loaded or reloaded).
local milter = require "milter"
local P = milter.Base:extend()
function P:connect() end
function P:envfrom() end
function P:envrcpt(to)
  if to == "<no@x>" then
    self:setreply("550", "5.7.1", "not here")
    return milter.REJECT
  end
end
function P:eom() self:addheader("X-Tested", "yes") end
P.tests = {
  { name = "one", message = "Subject: 1\r\n\r\nx\r\n", rcpt = { "<b@x>" },
    expect = { result = "delivered" } },
  { name = "two", message = "Subject: 2\r\n\r\nx\r\n", rcpt = { "<no@x>" },
    expect = { result = "rejected", reply = "550 5.7.1 not here" } },
  { name = "three", message = "Subject: 3\r\n\r\nx\r\n", rcpt = { "<b@x>" },
    expect = { actions = { { op = "addheader", name = "X-Tested" } } } },
}
return P
