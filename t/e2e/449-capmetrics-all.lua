-- Issue 13, capability metrics: every capability at once (a shared
-- dictionary, a real redis-server, the test DNS server, a table file):
-- promtool accepts the exposition; no label holds a HELO name, a client
-- address, a mail address or a looked-up name; the second round of the
-- same calls from other clients adds no series (cardinality is bounded
-- by the config, not the traffic); the capabilities' series exist even
-- with metrics_max_series = 5 (that cap is for the policy's own metrics).
-- policy: policies/capmetrics.lua
-- dns-server
-- conf: dns_timeout = 0.5
-- conf: http_listen = 127.0.0.1:0
-- conf: metrics_max_series = 5
-- conf: shared_dict = counts 1M
-- conf: table = access texthash:access
-- conf: redis = unix:@TMPDIR@/r.sock
-- conf: redis_timeout = 0.5
-- setup: printf 'listed@example.org OK\nlisted.example OK\n' >access
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")

-- one message from ip with HELO cmd
local function ask(cmd, ip)
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "host-" .. ip .. ".example", ip), "conninfo")
  lib.step(mt.helo(conn, cmd), "helo")
  lib.step(mt.mailfrom(conn, "<sender-" .. ip .. "@example.com>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<rcpt-" .. ip .. "@example.org>"), "rcpt")
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "eom of " .. cmd)
  lib.check(mt.getheader(conn, "X-Result", 0) == "done", cmd .. " ran")
  mt.disconnect(conn)
end

local cmds = { "shared", "redis", "dns", "tables" }

-- the number of series of the capabilities' families in text
local function cap_series(text)
  local n = 0
  for line in text:gmatch("[^\n]+") do
    if line:match("^luamilter_shared_dict_") or line:match("^luamilter_redis_") or
        line:match("^luamilter_dns_") or line:match("^luamilter_table_") then
      n = n + 1
    end
  end
  return n
end

lib.run(function()
  lib.redis("start", "r")
  local port = M.port()
  for _, c in ipairs(cmds) do ask(c, "192.0.2.11") end
  local first = M.scrape(port)
  M.check_promtool(first, "every capability")
  for _, fam in ipairs({ "luamilter_shared_dict_operations_total", "luamilter_shared_dict_errors_total",
      "luamilter_shared_dict_capacity_bytes", "luamilter_shared_dict_used_bytes",
      "luamilter_shared_dict_entries", "luamilter_shared_dict_evictions_total",
      "luamilter_shared_dict_expired_total", "luamilter_redis_commands_total",
      "luamilter_redis_command_duration_seconds", "luamilter_redis_connections_open",
      "luamilter_redis_connections_idle", "luamilter_redis_connects_total",
      "luamilter_redis_pool_waits_total", "luamilter_redis_pool_wait_timeouts_total",
      "luamilter_dns_queries_total", "luamilter_dns_query_duration_seconds",
      "luamilter_table_lookups_total", "luamilter_table_lookup_duration_seconds",
      "luamilter_table_rules", "luamilter_table_reloads_total" }) do
    lib.check(first:find("\n# TYPE " .. fam .. " ", 1, true), "family " .. fam .. " is there")
  end
  lib.check((M.value(first, 'luamilter_dns_queries_total{result="ok",type="A"}') or 0) >= 1,
    "module series exist past metrics_max_series")
  for _, c in ipairs(cmds) do ask(c, "198.51.100.22") end
  local second = M.scrape(port)
  M.check_promtool(second, "the second round")
  lib.check(cap_series(second) == cap_series(first),
    "no new series from new clients: " .. cap_series(first) .. " then " .. cap_series(second))
  for _, s in ipairs({ "192.0.2.11", "198.51.100.22", "example.com", "example.org",
      "zone.test", "listed.example", "nowhere", "sub.listed", "host-" }) do
    lib.check(not second:find(s, 1, true), "nothing from mail or lookups in the metrics: " .. s)
  end
end)
