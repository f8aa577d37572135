-- (needs the wiring) /healthz answers 503 "draining" while SIGTERM's drain
-- waits for an open connection, which still completes.
-- policy: policies/contain.lua
-- conf: http_listen = 127.0.0.1:0
-- expect-log: stopped
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")
lib.run(function()
  local port = M.port()
  local body, code = M.fetch(port, "/healthz")
  lib.check(code == 200 and body == "ok\n", "serving: " .. tostring(code))
  local conn = lib.until_envfrom("slow-eom")
  lib.step(mt.rcptto(conn, "<b@example.org>"), "rcpt")
  lib.step(mt.eoh(conn), "eoh")
  lib.kill("TERM")
  lib.wait_log("waiting for 1 open connection", 10)
  body, code = M.fetch(port, "/healthz")
  lib.check(code == 503 and body:find("draining", 1, true), "draining: " .. tostring(code) .. " " .. body)
  lib.step(mt.eom(conn), "eom after SIGTERM")
  lib.reply(conn, SMFIR_CONTINUE, "eom of the in-flight message")
  mt.disconnect(conn)
  lib.wait_exit(15, "the drain")
end)
