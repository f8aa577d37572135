-- redis_connections is honoured (issue 11): 64 concurrent connections,
-- each call holding its Redis connection 2 ms on the server, never open
-- more than redis_connections = 4 to Redis (sampled with INFO clients
-- while they run, one more for redis-cli itself), and every message
-- completes: callers wait for a pooled connection, bounded by
-- redis_timeout.
-- policy: policies/redis.lua
-- conf: redis = unix:@TMPDIR@/r.sock
-- conf: redis_connections = 4
-- conf: redis_timeout = 5
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  lib.redis("start", "r")
  lib.sh(string.format("'%s/../../build/perf-client' -s '%s' -c 64 -n 256 -m 1 -r 1 -H 1 -b 10 >'%s/load.out' 2>&1 &",
    srcdir, socket:gsub("^unix:", ""), tmpdir))
  local most, samples, deadline = 0, 0, lib.now() + 60
  repeat
    local n = tonumber(lib.redis_cli("r", "INFO clients"):match("connected_clients:(%d+)"))
    if n and n > most then most = n end
    samples = samples + 1
  until lib.slurp(tmpdir .. "/load.out"):find("msgs", 1, true) or lib.now() > deadline
  local out = lib.slurp(tmpdir .. "/load.out")
  lib.check(out:find("errors 0", 1, true), "every message completed: " .. out)
  lib.check(lib.redis_cli("r", "GET load"):match("256"), "256 calls made")
  lib.check(most >= 3 and most <= 5, "at most 4 pooled connections (+ redis-cli) open, saw "
    .. most .. " in " .. samples .. " samples")
  lib.check(not lib.log():find("load call failed", 1, true), "no call failed")
end)
