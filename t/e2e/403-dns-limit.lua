-- dns_max_queries: past it, every lookup of the connection gives
-- nil, "limit" without a query; a new connection starts again.
-- policy: policies/dns-query.lua
-- dns-server
-- conf: dns_max_queries = 3
-- expect-log: dns-query: 3: 192.0.2.1
-- expect-log: dns-query: 4: nil limit
-- expect-log: dns-query: 5: nil limit
local lib = dofile(srcdir .. "/lib.lua")

lib.run(function()
  local conn = lib.connect()
  -- connect first: miltertest sends one by itself before MAIL otherwise,
  -- and a connect clears the macros sent for later stages
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.9"), "conninfo")
  mt.macro(conn, SMFIC_MAIL, "{dns_times}", "5")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  lib.reply(conn, SMFIR_CONTINUE, "mailfrom")
  mt.disconnect(conn)
  lib.wait_log("dns-query: 5: nil limit")
  local log = lib.log()
  lib.check(not log:find("dns-query: 3: nil", 1, true), "the first three were answered")
end)
