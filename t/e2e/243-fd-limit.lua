-- The flood of issue 9, item 5, as reported: 200 silent sockets against a
-- luamilter limited to 128 file descriptors and no max_connections.  The
-- ones it cannot accept wait in the listen queue (logged, and the listener
-- pauses instead of spinning); those it holds are dropped after
-- negotiate_timeout, so the queue drains and an MTA connecting meanwhile
-- is answered.
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local sock = tmpdir .. "/limited.sock"
  local conf = tmpdir .. "/limited.conf"
  local log = tmpdir .. "/limited.log"
  local f = assert(io.open(conf, "w"))
  f:write("socket = unix:", sock, "\nscript = ", tmpdir, "/policy.lua\n",
          "allow_root = yes\nnegotiate_timeout = 2\nlog_level = notice\n")
  f:close()
  local p = io.popen(string.format(
    "prlimit --nofile=128:128 '%s' -c '%s' >'%s' 2>&1 & echo $!", luamilter, conf, log))
  local child = p:read("l")
  p:close()
  local conn = mt.connect("unix:" .. sock, 100, 0.05)
  lib.check(conn ~= nil, "the limited luamilter listens")
  mt.disconnect(conn)
  p = assert(io.popen(string.format("'%s/../tools/silent' -n 200 -q 2 -w 60 'unix:%s' 2>&1",
    srcdir, sock)))
  local out = p:read("a")
  p:close()
  os.execute("kill -TERM " .. child)
  lib.check(out:find("opened 200\n", 1, true), "200 silent connections opened:\n" .. out)
  lib.check(out:find("probe answered\n", 1, true),
    "an MTA connecting behind the flood is answered:\n" .. out)
  lib.check(out:find("open 0\n", 1, true), "every silent connection dropped:\n" .. out)
  local lo = tonumber(out:match("late %d+ ([%d.]+)"))
  lib.check(lo ~= nil and lo >= 2, "none dropped before negotiate_timeout:\n" .. out)
  f = assert(io.open(log, "rb"))
  local text = f:read("a")
  f:close()
  lib.check(text:find("accept: out of file descriptors", 1, true),
    "the log says accept ran out of descriptors:\n" .. text)
  lib.check(text:find("did not negotiate within negotiate_timeout (2 s)", 1, true),
    "the log says silent connections were dropped:\n" .. text)
  lib.check(not text:find(": error: ", 1, true), "no error in its log:\n" .. text)
end)
