-- SIGTERM during a message: the message completes (with its header), then
-- luamilter exits and removes its socket.
-- policy: policies/contain.lua
-- expect-log: stopped
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local conn = lib.until_envfrom("slow-eom")
  lib.step(mt.rcptto(conn, "<b@example.org>"), "rcpt")
  lib.step(mt.header(conn, "Subject", "drain"), "header")
  lib.step(mt.eoh(conn), "eoh")
  lib.kill("TERM")
  mt.sleep(0.2)
  local path = socket:gsub("^unix:", "")
  lib.check(not os.execute("test -S '" .. path .. "'"), "socket removed at SIGTERM")
  lib.step(mt.eom(conn), "eom after SIGTERM")
  lib.reply(conn, SMFIR_CONTINUE, "eom of the in-flight message")
  lib.check(mt.eom_check(conn, MT_HDRADD, "X-Contained", "slow-eom"),
    "the in-flight message got its header")
  mt.disconnect(conn)
  local deadline = os.time() + 10
  while os.execute("kill -0 " .. pid .. " 2>/dev/null") do
    lib.check(os.time() < deadline, "luamilter exits once the connection closed")
    mt.sleep(0.05)
  end
end)
