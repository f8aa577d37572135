-- fifo-vector.lua: a valid script whose one test reads its message from
-- vector.eml, which the scenario makes a FIFO nobody writes to.
local milter = require "milter"
local P = milter.Base:extend()
function P:eom() self:addheader("X-Policy", "fifo-vector") end
P.tests = {
  { name = "reads a FIFO", file = "vector.eml", rcpt = { "<b@x>" },
    expect = { result = "delivered" } },
}
return P
