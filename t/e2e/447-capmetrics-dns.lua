-- Issue 13, capability metrics: DNS lookups by record type and result
-- (ok, nxdomain, nodata, timeout from a zone that never answers) and
-- their latency histogram follow known traffic exactly, against the test
-- DNS server (unbound); the policy's own tests (stubs, run by SIGHUP)
-- move none.
-- policy: policies/capmetrics.lua
-- dns-server
-- conf: dns_timeout = 0.5
-- conf: http_listen = 127.0.0.1:0
-- conf: shared_dict = counts 1M
-- conf: table = access texthash:access
-- setup: printf 'listed@example.org OK\nlisted.example OK\n' >access
-- expect-log: generation 2
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")

local function q(t, r)
  return string.format('luamilter_dns_queries_total{result="%s",type="%s"}', r, t)
end

lib.run(function()
  local port = M.port()
  local before = M.scrape(port)
  lib.check(lib.ask("dns") == "done", "the lookups ran")
  lib.check(lib.ask("dns") == "done", "twice")
  lib.check(lib.ask("dnsslow") == "done", "the slow one")
  local after = M.scrape(port)
  M.check_promtool(after, "after DNS traffic")
  local function delta(s) return (M.value(after, s) or 0) - (M.value(before, s) or 0) end
  lib.check(delta(q("A", "ok")) == 2, "2 A ok, got " .. delta(q("A", "ok")))
  lib.check(delta(q("A", "nxdomain")) == 2, "2 A nxdomain, got " .. delta(q("A", "nxdomain")))
  lib.check(delta(q("MX", "ok")) == 2, "2 MX ok")
  lib.check(delta(q("AAAA", "nodata")) == 2, "2 AAAA nodata, got " .. delta(q("AAAA", "nodata")))
  lib.check(delta(q("A", "timeout")) == 1, "1 A timeout")
  lib.check(delta("luamilter_dns_query_duration_seconds_count") == 9, "9 lookups timed")
  lib.check(delta('luamilter_dns_query_duration_seconds_bucket{le="0.25"}') == 8,
    "the timeout took past 0.25 s, the others not")
  lib.check(not after:find("zone.test", 1, true) and not after:find("192.0.2", 1, true),
    "no name or address from the traffic in a label")

  lib.kill("HUP")                               -- the tests look up (stubs)
  lib.wait_log("generation 2", 30)
  local later = M.scrape(port)
  for _, s in ipairs({ q("A", "ok"), q("A", "nxdomain"), q("A", "timeout"),
      "luamilter_dns_query_duration_seconds_count" }) do
    lib.check(M.value(later, s) == M.value(after, s), "the tests of a reload do not count: " .. s)
  end
end)
