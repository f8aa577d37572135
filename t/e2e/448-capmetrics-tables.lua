-- Issue 13, capability metrics: table lookups by table and result, their
-- latency, the rules of each table and the files read again (ok, failed)
-- follow known traffic exactly; the policy's own tests (run by SIGHUP, on
-- the same file) move no lookup.
-- policy: policies/capmetrics.lua
-- conf: http_listen = 127.0.0.1:0
-- conf: shared_dict = counts 1M
-- conf: table = access texthash:access
-- conf: table_check = 1
-- setup: printf 'listed@example.org OK\nlisted.example OK\n' >access
-- expect-log: generation 2
-- expect-log: rules loaded
-- allow-errors
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")

local function lk(r) return string.format('luamilter_table_lookups_total{result="%s",table="access"}', r) end
local reload_ok = 'luamilter_table_reloads_total{result="ok"}'
local reload_failed = 'luamilter_table_reloads_total{result="failed"}'

lib.run(function()
  local port = M.port()
  local before = M.scrape(port)
  lib.check(lib.ask("tables") == "done", "the lookups ran")
  lib.check(lib.ask("tables") == "done", "twice")
  local after = M.scrape(port)
  M.check_promtool(after, "after table lookups")
  local function delta(a, b, s) return (M.value(b, s) or 0) - (M.value(a, s) or 0) end
  lib.check(delta(before, after, lk("found")) == 4, "4 found (a key, a parent domain), got " .. delta(before, after, lk("found")) .. " and " .. delta(before, after, lk("notfound")) .. " not found")
  lib.check(delta(before, after, lk("notfound")) == 4, "4 not found")
  lib.check(delta(before, after, lk("error")) == 0, "no error")
  lib.check(delta(before, after, 'luamilter_table_lookup_duration_seconds_count{table="access"}') == 8,
    "8 lookups timed")
  lib.check(M.value(after, 'luamilter_table_rules{table="access"}') == 2, "2 rules")

  lib.kill("HUP")                               -- the tests look up too
  lib.wait_log("generation 2", 30)
  local later = M.scrape(port)
  lib.check(M.value(later, lk("found")) == M.value(after, lk("found")), "the tests of a reload count no lookup")
  lib.check(M.value(later, lk("notfound")) == M.value(after, lk("notfound")), "nor a miss")

  -- the file changes: read again (ok); then it goes: the read fails
  lib.write(tmpdir .. "/access.new", "listed@example.org OK\nlisted.example OK\nthird.example OK\n")
  lib.sh(string.format("mv '%s/access.new' '%s/access'", tmpdir, tmpdir))
  lib.wait_log("3 rules loaded", 20)
  local changed = M.scrape(port)
  lib.check(delta(later, changed, reload_ok) == 1, "one file read again")
  lib.check(delta(later, changed, reload_failed) == 0, "none failed")
  lib.check(M.value(changed, 'luamilter_table_rules{table="access"}') == 3, "3 rules now")
  lib.sh(string.format("rm '%s/access'", tmpdir))
  lib.wait_log("cannot stat", 20)
  local gone = M.scrape(port)
  lib.check(delta(changed, gone, reload_failed) == 1, "one failed read")
  lib.check(M.value(gone, 'luamilter_table_rules{table="access"}') == 3, "the old version stays")
  M.check_promtool(gone, "after the reloads")
end)
