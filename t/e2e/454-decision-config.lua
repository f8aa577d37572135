-- decision_log unset (the default) writes no record anywhere; a bad value
-- stops startup with FILE:LINE and exit status 1 (a directory, a file that
-- cannot be created, a record size out of bounds or over the queue's);
-- decision_log = stderr
-- writes one JSON line per message among the log lines.
-- policy: policies/decision.lua
local lib = dofile(srcdir .. "/lib.lua")
local D = dofile(srcdir .. "/decision-lib.lua")

-- start luamilter with a config of body; its exit status and output
local function start_with(body)
  local conf = tmpdir .. "/bad.conf"
  lib.write(conf, "socket = unix:" .. tmpdir .. "/other.sock\nscript = "
    .. tmpdir .. "/policy.lua\nallow_root = yes\n" .. body)
  local p = assert(io.popen(string.format("timeout 20 '%s' -c '%s' 2>&1; echo \"rc=$?\"",
    luamilter, conf)))
  local out = p:read("a")
  p:close()
  return tonumber(out:match("rc=(%d+)%s*$")), out, conf
end

-- the start fails with status 1 and a FILE:LINE line containing want
local function refused(body, want)
  local rc, out, conf = start_with(body)
  lib.check(rc == 1, "exit status 1 for " .. body .. ", got " .. tostring(rc) .. ": " .. out)
  lib.check(out:find(conf .. ":4: ", 1, true), "FILE:LINE for " .. body .. ": " .. out)
  lib.check(out:find(want, 1, true), "the reason for " .. body .. ": " .. out)
end

lib.run(function()
  local conn = D.open("client.example", "192.0.2.7", "helo.example")
  D.message(conn, "QOFF", { "<ok@x>" }, { { "Subject", "hi" } })
  mt.disconnect(conn)
  mt.sleep(0.3)
  lib.check(not lib.log():find('{"time":', 1, true), "no record among the log lines")
  local p = assert(io.popen("grep -rl QOFF '" .. tmpdir .. "' | grep -v '/log$' | wc -l"))
  local n = tonumber(p:read("a"))
  p:close()
  lib.check(n == 0, "no file holds a record of QOFF")

  refused("decision_log = " .. tmpdir .. "/\n", "names a directory")
  refused("decision_log = " .. tmpdir .. "/no/such/dir/d.log\n", "No such file or directory")
  refused("decision_log = " .. tmpdir .. "\n", "Is a directory")
  refused("decision_log_max = 1K\n", "decision_log_max")
  refused("decision_log_queue = 1K\n", "decision_log_queue")
  refused("decision_log_max = 8M\ndecision_log_queue = 1M\n",
    "decision_log_max (8388608 bytes) is larger than decision_log_queue")

  local sock, log = lib.start_daemon("stderr", { "script = " .. tmpdir .. "/policy.lua",
    "decision_log = stderr" })
  local c2 = mt.connect(sock, 40, 0.05)
  lib.check(c2 ~= nil, "the stderr daemon is up")
  lib.step(mt.conninfo(c2, "client.example", "192.0.2.7"), "conninfo")
  lib.step(mt.helo(c2, "helo.example"), "helo")
  D.message(c2, "QERR", { "<ok@x>" }, { { "Subject", "hi" } })
  mt.disconnect(c2)
  local deadline = os.time() + 10
  while not lib.slurp(log):find('"qid":"QERR"', 1, true) and os.time() < deadline do
    mt.sleep(0.05)
  end
  local line = lib.slurp(log):match('\n({"time":[^\n]*"qid":"QERR"[^\n]*)\n')
  lib.check(line ~= nil, "decision_log = stderr: the record is a line of its own: " .. lib.slurp(log))
  lib.write(tmpdir .. "/stderr.rec", line .. "\n")
  D.check([[.[0] | .result == "delivered" and .rcpts[0].addr == "<ok@x>"]], "the stderr record",
    tmpdir .. "/stderr.rec")
end)
