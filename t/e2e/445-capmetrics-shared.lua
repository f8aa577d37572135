-- Issue 13, capability metrics: a shared dictionary's operations by op,
-- its errors by kind, its capacity, bytes and entries follow known
-- traffic exactly; the policy's own tests (run again by SIGHUP, on the
-- test run's own dictionaries) move none of them; promtool accepts it.
-- policy: policies/capmetrics.lua
-- conf: http_listen = 127.0.0.1:0
-- conf: shared_dict = counts 1M
-- conf: table = access texthash:access
-- setup: printf 'listed@example.org OK\nlisted.example OK\n' >access
-- expect-log: generation 2
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")

lib.run(function()
  local port = M.port()
  local before = M.scrape(port)
  lib.check(lib.ask("shared") == "done", "the shared calls ran")
  lib.check(lib.ask("shared") == "done", "twice")
  local after = M.scrape(port)
  M.check_promtool(after, "after shared dictionary traffic")
  local function delta(s) return (M.value(after, s) or 0) - (M.value(before, s) or 0) end
  local function op(o) return string.format('luamilter_shared_dict_operations_total{dict="counts",op="%s"}', o) end
  lib.check(delta(op("set")) == 4, "4 sets, got " .. delta(op("set")))
  lib.check(delta(op("get")) == 4, "4 gets, got " .. delta(op("get")))
  lib.check(delta(op("incr")) == 4, "4 incrs, got " .. delta(op("incr")))
  lib.check(delta(op("delete")) == 2, "2 deletes")
  lib.check(delta(op("ttl")) == 2, "2 ttls")
  lib.check(delta(op("add")) == 0, "no add")
  lib.check(delta('luamilter_shared_dict_errors_total{dict="counts",kind="not_a_number"}') == 2,
    "2 incr of a string")
  lib.check(delta('luamilter_shared_dict_errors_total{dict="counts",kind="no_memory"}') == 0, "no memory error")
  lib.check(M.value(after, 'luamilter_shared_dict_capacity_bytes{dict="counts"}') == 1048576, "capacity 1M")
  lib.check(M.value(after, 'luamilter_shared_dict_entries{dict="counts"}') == 2, "2 entries (a, s)")
  lib.check((M.value(after, 'luamilter_shared_dict_used_bytes{dict="counts"}') or 0) > 0, "bytes in use")
  lib.check(M.value(after, 'luamilter_shared_dict_evictions_total{dict="counts"}') == 0, "no eviction")
  -- the policy's own tests call the same methods, on their own dictionaries
  lib.kill("HUP")
  lib.wait_log("generation 2", 30)
  local later = M.scrape(port)
  lib.check(M.value(later, op("set")) == M.value(after, op("set")), "the tests of a reload count no set")
  lib.check(M.value(later, op("get")) == M.value(after, op("get")), "nor a get")
  lib.check(M.value(later, 'luamilter_shared_dict_entries{dict="counts"}') == 2, "nor an entry")
end)
