-- t/e2e/lib.lua - helpers shared by the end-to-end scenarios.
-- Loaded by each scenario with dofile(srcdir .. "/lib.lua").
local lib = {}

--- Open a connection to the luamilter under test (retrying while it starts).
function lib.connect()
  local conn = mt.connect(socket, 40, 0.05)
  if conn == nil then error("mt.connect(" .. tostring(socket) .. ") failed") end
  return conn
end

--- Fail with a message naming what was expected.
function lib.check(cond, what)
  if not cond then error("check failed: " .. what, 2) end
end

--- Assert the last reply on conn was the SMFIR_* constant want.
function lib.reply(conn, want, what)
  local got = mt.getreply(conn)
  if got ~= want then
    error(string.format("%s: reply %q, expected %q", what,
      string.char(math.floor(got)), string.char(math.floor(want))), 2)
  end
end

--- Run a step (an mt.* call result) and fail on an error string.
function lib.step(res, what)
  if res ~= nil then error(what .. ": " .. tostring(res), 2) end
end

--- A file's bytes ("" if there is none).
function lib.slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

--- Write a file with text.
function lib.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

--- Run a shell command; fail if it fails.
function lib.sh(cmd)
  if not os.execute(cmd) then error("shell command failed: " .. cmd, 2) end
end

--- The daemon's log so far.
function lib.log()
  local f = assert(io.open(logfile, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

--- How many times the daemon's log says text (plain match).
function lib.count(text)
  local n, from, log = 0, 1, lib.log()
  while true do
    local _, e = log:find(text, from, true)
    if not e then return n end
    n, from = n + 1, e + 1
  end
end

--- Wait up to secs for the log to contain text (plain match).
function lib.wait_log(text, secs)
  local deadline = os.time() + (secs or 5)
  repeat
    if lib.log():find(text, 1, true) then return true end
    mt.sleep(0.05)
  until os.time() > deadline
  error("log never showed: " .. text, 2)
end

--- Send a signal to the daemon.
function lib.kill(sig)
  assert(os.execute("kill -" .. sig .. " " .. pid))
end

--- Replace the daemon's policy file with t/e2e/<name>.
function lib.use_policy(name)
  assert(os.execute(string.format("cp '%s/%s' '%s/policy.lua'", srcdir, name, tmpdir)))
end

--- Run body under pcall so miltertest prints the error (it exits silently).
function lib.run(body)
  local ok, err = pcall(body)
  if not ok then
    io.stderr:write("FAIL: ", tostring(err), "\n")
    os.exit(1)
  end
end

--- One message up to envfrom with HELO name helo; returns conn and reply.
function lib.until_envfrom(helo, ip)
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", ip or "192.0.2.9"), "conninfo")
  lib.step(mt.helo(conn, helo), "helo")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  return conn, mt.getreply(conn)
end

--- After envfrom: one recipient, a Subject, a short body and eom, which
--- must be answered CONTINUE.
function lib.rest_of_message(conn, subject)
  lib.step(mt.rcptto(conn, "<b@example.org>"), "rcpt")
  lib.step(mt.header(conn, "Subject", subject), "header")
  lib.step(mt.eoh(conn), "eoh")
  lib.step(mt.bodystring(conn, "body\r\n"), "body")
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "eom of '" .. subject .. "'")
end

--- Seconds since an arbitrary point (wall clock, for coarse checks).
function lib.now()
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

--- One message on an open conn; returns the X-Policy header the policy
--- added at eom (policies/version-v1.lua and the like).
function lib.policy_stamp(conn)
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<b@x>"), "rcpt")
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "eom")
  return mt.getheader(conn, "X-Policy", 0)
end

--- The X-Policy stamp a new connection gets (connect, one message, close).
function lib.stamp_of_new_connection()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), "conninfo")
  local stamp = lib.policy_stamp(conn)
  mt.disconnect(conn)
  return stamp
end

--- Whether the daemon is still running.
function lib.running()
  return os.execute("kill -0 " .. pid .. " 2>/dev/null") == true
end

--- Wait up to secs for the daemon to exit; fail naming what if it does not.
function lib.wait_exit(secs, what)
  local t0 = lib.now()
  while lib.running() do
    if lib.now() - t0 > secs then
      error(string.format("%s: still running %d s after SIGTERM", what, secs), 2)
    end
    mt.sleep(0.05)
  end
  return lib.now() - t0
end

--- One whole message on a new connection whose HELO name is cmd (the
--- command of policies/shared.lua and the like); returns the X-Result
--- header added at eom (nil if none) and the eom reply.
function lib.ask(cmd, sock)
  local conn = mt.connect(sock or socket, 40, 0.05)
  if conn == nil then error("mt.connect failed", 2) end
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.9"), "conninfo")
  lib.step(mt.helo(conn, cmd), "helo")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<b@example.org>"), "rcpt")
  lib.step(mt.eoh(conn), "eoh")
  lib.step(mt.bodystring(conn, "body\r\n"), "body")
  lib.step(mt.eom(conn), "eom")
  local reply = mt.getreply(conn)
  local value = mt.getheader(conn, "X-Result", 0)
  mt.disconnect(conn)
  return value, reply
end

--- The output of a shell command (stdout and stderr) and whether it
--- succeeded.
function lib.run_cmd(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  return out, ok == true
end

--- A private redis-server NAME on the unix socket tmpdir/NAME.sock (no
--- persistence, stopped by PID at the end by t/e2e/run); cmd: start, stop,
--- restart, pause, resume; extra: more redis-server options.
function lib.redis(cmd, name, extra)
  local opts = ""
  if cmd == "start" then
    opts = string.format("--port 0 --unixsocket '%s/%s.sock' --unixsocketperm 700 %s",
      tmpdir, name, extra or "")
  end
  lib.sh(string.format("'%s/../redis/server' '%s' %s %s %s", srcdir, tmpdir,
    cmd, name, opts))
  return tmpdir .. "/" .. name .. ".sock"
end

--- redis-cli against the private server NAME; its output
function lib.redis_cli(name, args)
  return (lib.run_cmd(string.format("redis-cli -s '%s/%s.sock' %s", tmpdir,
    name, args)))
end

--- The resident memory of a process, in KiB (VmRSS)
function lib.rss_kib(p)
  local s = lib.slurp("/proc/" .. tostring(p) .. "/status")
  return tonumber(s:match("VmRSS:%s*(%d+)"))
end

--- Whether the daemon under test is the ASan build (its memory figures
--- mean nothing then)
function lib.asan()
  return luamilter:find("asan", 1, true) ~= nil
end

--- Start another luamilter (NAME) with conf lines (a list) on
--- tmpdir/NAME.sock; returns its socket spec and its log path.  t/e2e/run
--- stops it by PID at the end.
function lib.start_daemon(name, lines)
  local dir = tmpdir .. "/" .. name
  lib.sh("mkdir -p '" .. dir .. "'")
  local conf = { "socket = unix:" .. dir .. ".sock", "log_level = debug",
    "allow_root = yes", "pidfile = " .. tmpdir .. "/" .. name .. ".daemon.pid" }
  for _, l in ipairs(lines) do conf[#conf + 1] = l end
  lib.write(dir .. "/milter.conf", table.concat(conf, "\n") .. "\n")
  lib.sh(string.format("'%s' -c '%s/milter.conf' >'%s/log' 2>&1 &", luamilter,
    dir, dir))
  for _ = 1, 200 do
    if lib.slurp(tmpdir .. "/" .. name .. ".daemon.pid") ~= "" then break end
    mt.sleep(0.05)
  end
  return "unix:" .. dir .. ".sock", dir .. "/log"
end

--- A new connection (to sock, default the daemon's) from ip, up to RCPT
--- TO for rcpt (or only MAIL FROM when rcpt is nil); the last reply and
--- how long that last command took.
function lib.envelope(ip, rcpt, sock)
  local conn = mt.connect(sock or socket, 40, 0.05)
  if conn == nil then error("mt.connect(" .. tostring(sock or socket) .. ") failed", 2) end
  lib.step(mt.conninfo(conn, "client.example", ip), "conninfo")
  local t0 = lib.now()
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  if rcpt then
    t0 = lib.now()
    lib.step(mt.rcptto(conn, rcpt), "rcpt")
  end
  local took = lib.now() - t0
  local r = mt.getreply(conn)
  mt.disconnect(conn)
  return r, took
end

--- Whether a reply is a temporary failure (greylisted, rate limited)
function lib.deferred(r)
  return r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL
end

return lib
