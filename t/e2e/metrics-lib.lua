-- t/e2e/metrics-lib.lua - helpers of the metrics scenarios (42x): find
-- the HTTP port the daemon logged (http_listen = 127.0.0.1:0), fetch a
-- page with curl, read samples, run promtool.  Loaded with
-- dofile(srcdir .. "/metrics-lib.lua") after lib.lua.
local lib = dofile(srcdir .. "/lib.lua")
local M = {}

--- The port of the HTTP listener, from the daemon's log.
function M.port()
  lib.wait_log("http: serving /metrics", 10)
  local port = lib.log():match("http: serving [^\n]* on 127%.0%.0%.1:(%d+)")
  if not port then error("no port in the log") end
  return port
end

--- GET (or method) a path: body, HTTP status (a number).
function M.fetch(port, path, method)
  local out = tmpdir .. "/http.out"
  local p = assert(io.popen(string.format(
    "curl -s --max-time 10 -o '%s' -w '%%{http_code}' %s 'http://127.0.0.1:%s%s'",
    out, method and ("-X " .. method) or "", port, path)))
  local code = tonumber(p:read("a"))
  p:close()
  return lib.slurp(out), code
end

--- The exposition from /metrics (fails unless 200).
function M.scrape(port)
  local body, code = M.fetch(port, "/metrics")
  lib.check(code == 200, "/metrics answered " .. tostring(code))
  return body
end

--- The value of one sample (the text before the value, exactly), or nil.
function M.value(text, sample)
  for line in text:gmatch("[^\n]+") do
    if line:sub(1, #sample + 1) == sample .. " " then
      return tonumber(line:sub(#sample + 2))
    end
  end
  return nil
end

--- promtool check metrics on text: its exit status and its output.
function M.promtool(text)
  local file = tmpdir .. "/scrape.prom"
  lib.write(file, text)
  local p = assert(io.popen("promtool check metrics < '" .. file .. "' 2>&1; echo \"rc=$?\""))
  local out = p:read("a")
  p:close()
  return tonumber(out:match("rc=(%d+)")), out
end

--- Fail unless promtool finds text clean.
function M.check_promtool(text, what)
  local rc, out = M.promtool(text)
  lib.check(rc == 0, what .. ": promtool check metrics exited " .. tostring(rc) .. ": " .. out)
end

--- One message on a new connection with HELO helo.
function M.message(helo)
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.7"), "conninfo")
  lib.step(mt.helo(conn, helo), "helo")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<b@example.org>"), "rcpt")
  lib.step(mt.header(conn, "Subject", "hi"), "header")
  lib.step(mt.eoh(conn), "eoh")
  lib.step(mt.bodystring(conn, "body\r\n"), "body")
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "eom")
  mt.disconnect(conn)
end

return M
