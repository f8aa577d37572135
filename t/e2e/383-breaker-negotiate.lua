-- Negotiation goes through the circuit breaker: a failing negotiate()
-- counts as a script error (three of them trip the breaker), and once the
-- breaker is open negotiate() is not run at all: the connection gets the
-- on_error answer.
-- policy: policies/negotiate-fails.lua
-- conf: breaker_errors = 3
-- conf: breaker_window = 600
-- allow-errors
local lib = dofile(srcdir .. "/lib.lua")

-- count: how many times text is in the log
local function count(text)
  local n, pos = 0, 1
  local log = lib.log()
  while true do
    local s, e = log:find(text, pos, true)
    if s == nil then return n end
    n, pos = n + 1, e + 1
  end
end

-- one_connection: negotiate and connect; connect must be tempfailed
local function one_connection(what)
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.11"), "conninfo " .. what)
  local r = mt.getreply(conn)
  lib.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, what .. ": connect tempfailed")
  mt.disconnect(conn)
end

lib.run(function()
  for i = 1, 3 do one_connection("connection " .. i) end
  lib.wait_log("circuit breaker tripped: 3 script errors within 600 s", 10)
  lib.wait_log("answering TEMPFAIL")
  local ran = count("boom in negotiate")
  lib.check(ran == 3, "negotiate failed 3 times, the log says " .. ran)
  one_connection("after the trip")
  lib.wait_log("connect: circuit breaker open, answering TEMPFAIL", 10)
  lib.check(count("boom in negotiate") == 3,
    "with the breaker open negotiate() did not run again")
end)
