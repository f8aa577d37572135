-- Two messages on one connection share the object; abort in the middle of
-- a message calls abort(), and the next message works.
-- policy: policies/counter.lua
-- expect-log: close after 4 messages, 1 aborts
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), "conninfo")
  for i = 1, 2 do
    lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom " .. i)
    lib.step(mt.rcptto(conn, "<b@x>"), "rcpt " .. i)
    lib.step(mt.eom(conn), "eom " .. i)
    lib.reply(conn, SMFIR_CONTINUE, "eom " .. i)
    lib.check(mt.eom_check(conn, MT_HDRADD, "X-Count", i .. "/0"),
      "message " .. i .. " numbered")
  end
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom 3")
  lib.step(mt.abort(conn), "abort")
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom 4")
  lib.step(mt.rcptto(conn, "<b@x>"), "rcpt 4")
  lib.step(mt.eom(conn), "eom 4")
  lib.check(mt.eom_check(conn, MT_HDRADD, "X-Count", "4/1"), "after an abort")
  mt.disconnect(conn)
  lib.wait_log("close after")
end)
