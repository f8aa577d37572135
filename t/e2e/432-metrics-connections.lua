-- (needs the wiring) /connections shows a connection held open after eoh
-- first (the longest in its stage), with its client, HELO and script.
-- conf: http_listen = 127.0.0.1:0
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")
lib.run(function()
  local port = M.port()
  local quick = lib.connect()
  lib.step(mt.conninfo(quick, "quick.example", "192.0.2.2"), "conninfo")
  local conn = lib.until_envfrom("stuck.example", "192.0.2.9")
  lib.step(mt.rcptto(conn, "<b@example.org>"), "rcpt")
  lib.step(mt.header(conn, "Subject", "x"), "header")
  lib.step(mt.eoh(conn), "eoh")
  mt.sleep(1.5)
  lib.step(mt.helo(quick, "quick.example"), "helo")
  local body, code = M.fetch(port, "/connections")
  lib.check(code == 200, "/connections answered")
  lib.write(tmpdir .. "/conns.json", body)
  lib.sh("jq -e 'length == 2 and .[0].stage == \"eoh\" and .[0].helo == \"stuck.example\" "
    .. "and .[0].stage_seconds >= 1 and (.[0].script | length) == 12' '" .. tmpdir .. "/conns.json' >/dev/null")
  mt.disconnect(conn)
  mt.disconnect(quick)
end)
