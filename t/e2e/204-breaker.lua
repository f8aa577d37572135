-- An error storm trips the circuit breaker: it logs loudly, and afterwards
-- even a callback that would succeed gets on_error (mode on_error).
-- policy: policies/contain.lua
-- conf: breaker_errors = 3
-- conf: breaker_window = 60
-- allow-errors
-- expect-log: circuit breaker tripped: 3 script errors within 60 s
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  for i = 1, 3 do
    local conn = lib.until_envfrom("error")
    mt.disconnect(conn)
  end
  lib.wait_log("circuit breaker tripped")
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.9"), "conninfo")
  local r = mt.getreply(conn)
  lib.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL,
    "after the breaker tripped, connect is tempfailed without running the script")
  mt.disconnect(conn)
end)
