-- In-policy test vectors are built only where tests run: a policy whose
-- test carries a 5 MiB message costs an idle connection about what any
-- connection costs, not the 10 MB the vectors take (a tests table is
-- dropped and collected before the first callback; a tests function is
-- only called by the test runner).  RSS is measured over 50 idle
-- connections, for the table form and for the function form (an ASan
-- build is told not to hold freed blocks in its quarantine, which would
-- count them as resident).
-- policy: policies/big-tests.lua
-- env: ASAN_OPTIONS=quarantine_size_mb=0
local lib = dofile(srcdir .. "/lib.lua")

local N = 50
local PER_CONN_LIMIT = 1024        -- KiB: the vectors alone are 10240

-- rss: the daemon's resident set, KiB
local function rss()
  local f = assert(io.open("/proc/" .. pid .. "/status"))
  local s = f:read("a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)"))
end

-- idle: open n connections, each with a Lua state (negotiated, connected)
local function idle(n)
  local conns = {}
  for i = 1, n do
    local conn = lib.connect()
    lib.step(mt.negotiate(conn, nil, nil, nil), "negotiate " .. i)
    lib.step(mt.conninfo(conn, "client.example", "192.0.2.13"), "conninfo " .. i)
    lib.reply(conn, SMFIR_CONTINUE, "connect " .. i)
    conns[i] = conn
  end
  return conns
end

-- per_connection: KiB of RSS each of N idle connections adds
local function per_connection(what)
  local warm = idle(2)              -- first-use costs (threads, arenas)
  mt.sleep(0.2)
  local before = rss()
  local conns = idle(N)
  mt.sleep(0.5)
  local after = rss()
  for _, c in ipairs(conns) do mt.disconnect(c) end
  for _, c in ipairs(warm) do mt.disconnect(c) end
  local per = (after - before) / N
  lib.check(per < PER_CONN_LIMIT, string.format("%s: %d idle connections took "
    .. "%d KiB of RSS (%d -> %d), %.0f KiB each; at most %d expected", what, N,
    after - before, before, after, per, PER_CONN_LIMIT))
  return per
end

lib.run(function()
  per_connection("tests as a table")
  lib.use_policy("policies/big-tests-fn.lua")
  lib.kill("HUP")
  lib.wait_log("generation 2", 20)
  per_connection("tests as a function")
end)
