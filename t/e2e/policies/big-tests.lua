-- big-tests.lua: in-policy tests carrying a 5 MiB message, as a table (the
-- way the issue found them) and, in big-tests-fn.lua, as a function.
local milter = require "milter"
local P = milter.Base:extend()
function P:connect() end
function P:eom() self:addheader("X-Big", "ok") end
P.tests = {
  { name = "a 5 MiB message passes",
    message = "Subject: big\r\n\r\n" .. string.rep("0123456789abcde\n", 5 << 16),
    rcpt = { "<b@x>" },
    expect = { result = "delivered",
               actions = { { op = "addheader", name = "X-Big", value = "ok" } } } },
}
return P
