-- breaker_mode = last_good: after an error storm from a new script, new
-- connections go back to the previous script.
-- policy: policies/version-v1.lua
-- conf: breaker_errors = 3
-- conf: breaker_window = 60
-- conf: breaker_mode = last_good
-- allow-errors
-- expect-log: new connections use the previous script
local lib = dofile(srcdir .. "/lib.lua")

local function one_message()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), "conninfo")
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<b@x>"), "rcpt")
  lib.step(mt.eom(conn), "eom")
  local reply, header = mt.getreply(conn), mt.getheader(conn, "X-Policy", 0)
  mt.disconnect(conn)
  return reply, header
end

lib.run(function()
  local _, h = one_message()
  lib.check(h == "v1", "v1 serves at first")
  lib.use_policy("policies/eom-error.lua")
  lib.kill("HUP")
  lib.wait_log("generation 2")
  for i = 1, 3 do
    local r = one_message()
    lib.check(r == SMFIR_REPLYCODE, "broken eom answered with on_error, message " .. i)
  end
  lib.wait_log("circuit breaker tripped")
  local r, h2 = one_message()
  lib.check(r == SMFIR_CONTINUE and h2 == "v1", "after the breaker, v1 serves again")
end)
