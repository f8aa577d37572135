-- on_error = reject: a failing callback answers 554 5.3.0 Mail filter failure.
-- policy: policies/faulty.lua
-- conf: on_error = reject
-- allow-errors
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), "conninfo")
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<boom@x>"), "rcpt boom")
  lib.reply(conn, SMFIR_REPLYCODE, "reject with a reply code")
  lib.step(mt.rcptto(conn, "<ok@x>"), "rcpt")
  lib.step(mt.header(conn, "X-Fail", "1"), "failing noreply header")
  lib.step(mt.eom(conn), "eom")
  lib.check(mt.eom_check(conn, MT_SMTPREPLY, "554", "5.3.0", "Mail filter failure"),
    "554 5.3.0 Mail filter failure at eom")
  mt.disconnect(conn)
end)
