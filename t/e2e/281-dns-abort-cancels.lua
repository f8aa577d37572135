-- At abort the core cancels the lookups the message started (a later
-- wait says "cancelled" at once); a lookup started at connect belongs to
-- the connection and runs on (its wait ends as the server's silence
-- does: "timeout").
-- policy: policies/dns-abort.lua
-- dns-server
-- conf: dns_timeout = 2
-- expect-log: dns-abort: message: cancelled
-- expect-log: dns-abort: connect: timeout
local lib = dofile(srcdir .. "/lib.lua")

lib.run(function()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.9"), "conninfo")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "first mailfrom")
  lib.reply(conn, SMFIR_CONTINUE, "first mailfrom")
  lib.step(mt.abort(conn), "abort")
  local t0 = lib.now()
  lib.step(mt.mailfrom(conn, "<b@example.com>"), "second mailfrom")
  lib.reply(conn, SMFIR_CONTINUE, "second mailfrom")
  lib.check(lib.now() - t0 < 3, "the second MAIL was answered within dns_timeout")
  mt.disconnect(conn)
end)
