-- on_error = continue: a failing callback lets the message go on.
-- policy: policies/faulty.lua
-- conf: on_error = continue
-- allow-errors
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), "conninfo")
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<boom@x>"), "rcpt boom")
  lib.reply(conn, SMFIR_CONTINUE, "continue after the error")
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "eom")
  mt.disconnect(conn)
end)
