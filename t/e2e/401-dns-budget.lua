-- A server that never answers: the lookup ends within the callback's
-- budget (callback_timeout 1 s, though dns_timeout is 10 s), the policy
-- gets nil, "timeout" and its answer goes to the MTA (no on_error).
-- policy: policies/dns-query.lua
-- dns-server
-- conf: callback_timeout = 1
-- conf: dns_timeout = 10
-- expect-log: dns-query: 1: nil timeout
local lib = dofile(srcdir .. "/lib.lua")

lib.run(function()
  local conn = lib.connect()
  -- connect first: miltertest sends one by itself before MAIL otherwise,
  -- and a connect clears the macros sent for later stages
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.9"), "conninfo")
  mt.macro(conn, SMFIC_MAIL, "{dns_query}", "x.slow.test/A")
  local t0 = lib.now()
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  local took = lib.now() - t0
  lib.reply(conn, SMFIR_CONTINUE, "mailfrom: the policy's own answer")
  lib.check(took > 0.5 and took < 1.5, "the wait ended within the callback's 1 s: " .. took)
  mt.disconnect(conn)
end)
