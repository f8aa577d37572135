-- In-policy tests never touch a real Redis (issue 11): the policy's own
-- tests (run at start and before a SIGHUP is accepted) see
-- redis.configured() false and "redis is not available in policy tests"
-- from call, pipeline and eval, although the config names a running
-- Redis; the server sees no connection from them, and live connections
-- then use it.
-- policy: policies/redis.lua
-- conf: redis = unix:@TMPDIR@/r.sock
-- expect-log: its tests passed
local lib = dofile(srcdir .. "/lib.lua")

local function connections()
  return tonumber(lib.redis_cli("r", "INFO stats"):match("total_connections_received:(%d+)"))
end

lib.run(function()
  lib.redis("start", "r")
  local base = connections()
  lib.kill("HUP")                       -- the tests run again, with a Redis up
  lib.wait_log("reloaded: ", 20)
  lib.check(connections() == base + 1, "only redis-cli connected while the tests ran")
  lib.check(lib.redis_cli("r", "EXISTS reached"):match("0"), "no test key written")
  lib.check(lib.ask("configured") == "true", "live: configured")
  lib.check(lib.ask("call:SET live 1") == "sOK", "live: used")
  local n = connections()             -- redis-cli: 2 more, the pool: 1
  lib.check(n == base + 4, "one pooled connection for the live calls: " .. n - base)
end)
