-- A lookup waits only for what is left of the callback's budget, not for
-- the whole callback_timeout: the callback spends 0.5 s of its 2 s first,
-- then asks a server that never answers (dns_timeout 10 s); the lookup
-- gives nil, "timeout" in time for the policy's own answer to reach the
-- MTA (no callback_timeout overrun, no on_error).
-- policy: policies/dns-query.lua
-- dns-server
-- conf: callback_timeout = 2
-- conf: dns_timeout = 10
-- expect-log: dns-query: 1: nil timeout
local lib = dofile(srcdir .. "/lib.lua")

lib.run(function()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.9"), "conninfo")
  mt.macro(conn, SMFIC_MAIL, "{dns_query}", "x.slow.test/A", "{dns_spin}", "0.5")
  local t0 = lib.now()
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  local took = lib.now() - t0
  lib.reply(conn, SMFIR_CONTINUE, "mailfrom: the policy's own answer, not on_error")
  lib.check(took > 1.5 and took < 2.5, "the callback ended within its 2 s: " .. took)
  mt.disconnect(conn)
  lib.check(not lib.log():find("callback_timeout", 1, true), "no overrun in the log")
end)
