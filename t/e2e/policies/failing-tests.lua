-- failing-tests.lua: a valid script whose own tests fail.
local milter = require "milter"
local P = milter.Base:extend()
function P:connect() end
function P:envfrom() end
function P:envrcpt() end
function P:eom() self:addheader("X-Policy", "failing-tests") end
P.tests = {
  { name = "expects a header it never adds", message = "Subject: x\r\n\r\nx\r\n",
    rcpt = { "<b@x>" },
    expect = { actions = { { op = "addheader", name = "X-Policy", value = "v9" } } } },
}
return P
