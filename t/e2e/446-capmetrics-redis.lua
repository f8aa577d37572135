-- Issue 13, capability metrics: Redis calls by command and result (ok,
-- an error reply, refused, timeout on a SIGSTOPped server, connection on
-- a stopped one), their latency histogram, connects, and the pool's
-- connections open and idle follow known traffic exactly, against a real
-- redis-server; the policy's own tests (stubs, run by SIGHUP) move none.
-- policy: policies/capmetrics.lua
-- conf: http_listen = 127.0.0.1:0
-- conf: shared_dict = counts 1M
-- conf: table = access texthash:access
-- conf: redis = unix:@TMPDIR@/r.sock
-- conf: redis_timeout = 0.25
-- setup: printf 'listed@example.org OK\nlisted.example OK\n' >access
-- expect-log: generation 2
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")

local function cmd(c, r)
  return string.format('luamilter_redis_commands_total{command="%s",result="%s"}', c, r)
end

lib.run(function()
  lib.redis("start", "r")
  local port = M.port()
  local before = M.scrape(port)
  lib.check(lib.ask("redis") == "done", "the Redis calls ran")
  local mid = M.scrape(port)
  M.check_promtool(mid, "after Redis traffic")
  local function delta(a, b, s) return (M.value(b, s) or 0) - (M.value(a, s) or 0) end
  lib.check(delta(before, mid, cmd("set", "ok")) == 1, "1 SET ok")
  lib.check(delta(before, mid, cmd("get", "ok")) == 1, "1 GET ok")
  lib.check(delta(before, mid, cmd("incr", "ok")) == 1, "1 INCR ok")
  lib.check(delta(before, mid, cmd("hget", "error")) == 1, "1 HGET error reply (WRONGTYPE)")
  lib.check(delta(before, mid, cmd("pipeline", "ok")) == 1, "1 pipeline ok")
  lib.check(delta(before, mid, cmd("flushall", "refused")) == 0, "no label from outside the list")
  lib.check(delta(before, mid, cmd("other", "refused")) == 1, "FLUSHALL refused, as other")
  lib.check(delta(before, mid, "luamilter_redis_command_duration_seconds_count") == 5,
    "5 calls timed (the refused one sent nothing)")
  lib.check(delta(before, mid, 'luamilter_redis_connects_total{result="ok"}') == 1, "one connection made")
  lib.check(M.value(mid, "luamilter_redis_connections_open") == 1, "1 open")
  lib.check(M.value(mid, "luamilter_redis_connections_idle") == 1, "1 idle")

  lib.redis("pause", "r")                       -- hung: the call times out
  lib.check(lib.ask("redis1") == "done", "a call to a hung Redis")
  lib.redis("resume", "r")
  lib.redis("stop", "r")                        -- gone: the connect fails
  lib.check(lib.ask("redis1") == "done", "a call to a stopped Redis")
  local after = M.scrape(port)
  M.check_promtool(after, "after the failures")
  lib.check(delta(mid, after, cmd("get", "timeout")) == 1, "1 GET timeout")
  lib.check(delta(mid, after, cmd("get", "connection")) == 1, "1 GET connection failure")
  lib.check(delta(mid, after, 'luamilter_redis_connects_total{result="failed"}') == 1, "one failed connect")
  lib.check(delta(mid, after, "luamilter_redis_command_duration_seconds_count") == 2, "both timed")
  lib.check(delta(mid, after, 'luamilter_redis_command_duration_seconds_bucket{le="0.1"}') == 1,
    "the connection failure was fast, the timeout was not")
  lib.check(M.value(after, "luamilter_redis_connections_open") == 0, "none open")

  lib.kill("HUP")                               -- the tests call Redis (stubs)
  lib.wait_log("generation 2", 30)
  local later = M.scrape(port)
  for _, s in ipairs({ cmd("get", "ok"), cmd("set", "ok"), cmd("hget", "error"),
      "luamilter_redis_command_duration_seconds_count" }) do
    lib.check(M.value(later, s) == M.value(after, s), "the tests of a reload do not count: " .. s)
  end
end)
