-- slow-tests.lua: a valid script carrying 20 tests whose eom loops until
-- callback_timeout stops it: checking it for a reload takes 20 times
-- callback_timeout.
local milter = require "milter"
local P = milter.Base:extend()
function P:eom()
  while true do end
end
P.tests = {}
for i = 1, 20 do
  P.tests[i] = { name = "loops " .. i, message = "Subject: x\r\n\r\nx\r\n",
    rcpt = { "<b@x>" }, expect = { result = "delivered" } }
end
return P
