-- big-tests-fn.lua: big-tests.lua with its tests built by a function, only
-- where tests run.
local milter = require "milter"
local P = milter.Base:extend()
function P:connect() end
function P:eom() self:addheader("X-Big", "ok") end
P.tests = function() return {
  { name = "a 5 MiB message passes",
    message = "Subject: big\r\n\r\n" .. string.rep("0123456789abcde\n", 5 << 16),
    rcpt = { "<b@x>" },
    expect = { result = "delivered",
               actions = { { op = "addheader", name = "X-Big", value = "ok" } } } },
} end
return P
