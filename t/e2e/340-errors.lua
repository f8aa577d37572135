-- A script error gives 451 4.3.0 with FILE:LINE and a traceback in the log,
-- and the next message on the same connection works; invalid return values
-- too; an error in a noreply callback is answered at eom; misuse of actions
-- raises a catchable error saying what was wrong.
-- policy: policies/faulty.lua
-- allow-errors
-- expect-log: policy.lua:8: boom in envrcpt
-- expect-log: stack traceback
-- expect-log: returned number '42', which is not a milter status
-- expect-log: failed in a noreply header
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), "conninfo")
  -- 1: error in envrcpt -> 451 4.3.0 for that recipient
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<boom@x>"), "rcpt boom")
  lib.reply(conn, SMFIR_REPLYCODE, "error in envrcpt")
  lib.step(mt.rcptto(conn, "<badret@x>"), "rcpt badret")
  lib.reply(conn, SMFIR_REPLYCODE, "invalid return value")
  lib.step(mt.rcptto(conn, "<tableret@x>"), "rcpt tableret")
  lib.reply(conn, SMFIR_REPLYCODE, "table return value")
  lib.step(mt.rcptto(conn, "<ok@x>"), "rcpt ok")
  lib.reply(conn, SMFIR_CONTINUE, "good recipient after errors")
  lib.step(mt.header(conn, "Subject", "x"), "header")
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "eom of the first message")
  lib.check(mt.eom_check(conn, MT_HDRADD, "X-Misuse"), "misuse reported")
  local m = mt.getheader(conn, "X-Misuse", 0)
  lib.check(m and m:find("header name 'Bad:Name'", 1, true), "misuse message: " .. tostring(m))
  m = mt.getheader(conn, "X-Misuse-Reply", 0)
  lib.check(m and m:find("CR", 1, true), "CR in a reply: " .. tostring(m))
  -- 2: an error in a noreply header is answered at eom with 451 4.3.0
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom 2")
  lib.step(mt.rcptto(conn, "<ok@x>"), "rcpt 2")
  lib.step(mt.header(conn, "X-Fail", "1"), "failing noreply header")
  lib.step(mt.eom(conn), "eom 2")
  lib.check(mt.getreply(conn) == SMFIR_REPLYCODE and
    mt.eom_check(conn, MT_SMTPREPLY, "451", "4.3.0", "Temporary mail filter failure"),
    "noreply failure answered 451 4.3.0 Temporary mail filter failure at eom")
  -- 3: and the next message on the same connection is fine again
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom 3")
  lib.step(mt.rcptto(conn, "<ok@x>"), "rcpt 3")
  lib.step(mt.eom(conn), "eom 3")
  lib.reply(conn, SMFIR_CONTINUE, "third message")
  lib.check(mt.eom_check(conn, MT_HDRADD, "X-Message", "3"), "object kept its state")
  mt.disconnect(conn)
end)
