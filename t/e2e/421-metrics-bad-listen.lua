-- A bad http_listen stops startup with FILE:LINE and exit status 1: a
-- host name instead of an address (also under -t), a port out of range,
-- a relative unix path, a port another listener holds; a good one is
-- accepted by -t.
-- conf: http_listen = 127.0.0.1:0
-- expect-log: http: serving /metrics
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")

-- start luamilter with a config of body; its exit status and output
local function start_with(body, args)
  local conf = tmpdir .. "/bad.conf"
  lib.write(conf, "socket = unix:" .. tmpdir .. "/other.sock\nscript = "
    .. tmpdir .. "/policy.lua\nallow_root = yes\n" .. body)
  local p = assert(io.popen(string.format("timeout 20 '%s' -c '%s' %s 2>&1; echo \"rc=$?\"",
    luamilter, conf, args or "")))
  local out = p:read("a")
  p:close()
  return tonumber(out:match("rc=(%d+)%s*$")), out, conf
end

-- the start fails with status 1 and a FILE:LINE line containing want
local function refused(body, want, args)
  local rc, out, conf = start_with(body, args)
  lib.check(rc == 1, "exit status 1 for " .. body .. ", got " .. tostring(rc) .. ": " .. out)
  lib.check(out:find(conf .. ":4: ", 1, true), "FILE:LINE for " .. body .. ": " .. out)
  lib.check(out:find(want, 1, true), "the reason for " .. body .. ": " .. out)
end

lib.run(function()
  refused("http_listen = localhost:9465\n", "'localhost' is not an IPv4 address")
  refused("http_listen = localhost:9465\n", "'localhost' is not an IPv4 address", "-t")
  refused("http_listen = 127.0.0.1:70000\n", "is not a port")
  refused("http_listen = unix:http.sock\n", "must be absolute")
  refused("http_listen = [::1\n", "[ADDRESS]:PORT")
  local port = M.port()
  refused("http_listen = 127.0.0.1:" .. port .. "\n", "Address already in use")
  local rc, out = start_with("http_listen = 127.0.0.1:9465\n", "-t")
  lib.check(rc == 0, "-t accepts a good http_listen: " .. out)
end)
