-- user and group: luamilter opens the socket, gives it to them, drops
-- root, and goes on serving.
-- conf: user = nobody
-- conf: group = nogroup
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local p = io.popen("ps -o user= -o group= -p " .. pid)
  local who = p:read("a"):gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")
  p:close()
  lib.check(who == "nobody nogroup", "process runs as nobody:nogroup, got " .. who)
  local path = socket:gsub("^unix:", "")
  p = io.popen("stat -c '%U:%G' '" .. path .. "'")
  local owner = p:read("l")
  p:close()
  lib.check(owner == "nobody:nogroup", "socket given to nobody:nogroup, got " .. tostring(owner))
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), "conninfo")
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<b@x>"), "rcpt")
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "mail flows after the drop")
  mt.disconnect(conn)
end)
