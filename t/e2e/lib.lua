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

return lib
