-- The default policy: every callback logged with its arguments, mail passes.
-- expect-log: connect from client.example.com inet 192.0.2.1:
-- expect-log: hello helo.example.com
-- expect-log: mail from <a@example.com> SIZE=100
-- expect-log: rcpt to <b@example.org>
-- expect-log: header Subject: hello
-- expect-log: eom
-- expect-log: close
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example.com", "192.0.2.1"), "conninfo")
  lib.step(mt.helo(conn, "helo.example.com"), "helo")
  lib.step(mt.mailfrom(conn, "<a@example.com>", "SIZE=100"), "mailfrom")
  lib.step(mt.rcptto(conn, "<b@example.org>"), "rcptto")
  lib.step(mt.header(conn, "Subject", "hello"), "header")
  lib.step(mt.eoh(conn), "eoh")
  lib.step(mt.bodystring(conn, "text\r\n"), "body")
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "eom")
  lib.check(mt.test_option(conn, SMFIP_NR_HDR), "header is noreply")
  mt.disconnect(conn)
end)
