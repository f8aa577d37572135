-- t/e2e/decision-lib.lua - helpers of the decision record scenarios (45x):
-- wait for the records the daemon writes (decision_log = @TMPDIR@/...),
-- check every line with jq and ask jq about them.  Loaded with
-- dofile(srcdir .. "/decision-lib.lua") after lib.lua.
local lib = dofile(srcdir .. "/lib.lua")
local D = {}

D.file = tmpdir .. "/decisions.log"

--- Lines in file (0 if there is none).
function D.lines(file)
  local n = 0
  for _ in lib.slurp(file or D.file):gmatch("[^\n]*\n") do n = n + 1 end
  return n
end

--- Wait up to secs for file to hold n lines (or more).
function D.wait_lines(n, secs, file)
  local deadline = os.time() + (secs or 10)
  repeat
    if D.lines(file) >= n then return end
    mt.sleep(0.05)
  until os.time() > deadline
  error(string.format("%s: %d lines, expected %d:\n%s", file or D.file,
    D.lines(file), n, lib.slurp(file or D.file):sub(1, 8000)), 2)
end

--- jq -s over the records: its output (trimmed) and whether it exited 0.
function D.jq(filter, file)
  local script = tmpdir .. "/filter.jq"
  lib.write(script, filter)
  local p = assert(io.popen(string.format(
    "jq -e -s -r -f '%s' '%s' 2>&1; echo \"rc=$?\"", script, file or D.file)))
  local out = p:read("a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return (out:gsub("rc=%d+%s*$", ""):gsub("%s+$", "")), rc == 0
end

--- Fail unless the jq filter (over the array of records) is true.
function D.check(filter, what, file)
  local out, ok = D.jq(filter, file)
  lib.check(ok and out == "true", what .. " (jq: " .. filter .. " gave " .. out .. ")")
end

--- Fail unless every line of file is one JSON object, as jq reads it.
function D.check_valid(file)
  file = file or D.file
  local p = assert(io.popen(string.format(
    "n=0; while IFS= read -r l; do printf '%%s\\n' \"$l\" | jq -e 'type == \"object\"' >/dev/null || n=$((n+1)); done < '%s'; echo $n", file)))
  local bad = tonumber(p:read("a"))
  p:close()
  lib.check(bad == 0, file .. ": " .. tostring(bad) .. " lines are not JSON objects")
end

--- One message on conn: envfrom (queue id qid), rcpts, headers
--- ({name, value}...), eom; the eom reply.
function D.message(conn, qid, rcpts, headers)
  lib.step(mt.macro(conn, SMFIC_MAIL, "i", qid), "macro i")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom " .. qid)
  for _, r in ipairs(rcpts) do lib.step(mt.rcptto(conn, r), "rcpt " .. r) end
  for _, h in ipairs(headers or {}) do
    lib.step(mt.header(conn, h[1], h[2]), "header " .. h[1])
  end
  lib.step(mt.eoh(conn), "eoh " .. qid)
  lib.step(mt.bodystring(conn, "body\r\n"), "body " .. qid)
  lib.step(mt.eom(conn), "eom " .. qid)
  return mt.getreply(conn)
end

--- A connection from host [ip] with HELO helo.
function D.open(host, ip, helo)
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, host, ip), "conninfo")
  if helo then lib.step(mt.helo(conn, helo), "helo") end
  return conn
end

return D
