-- http_listen serves /metrics in the Prometheus text format (promtool
-- finds it clean) with the built-in and process metrics, /healthz,
-- /status and /connections; only GET, 404 for anything else.
-- conf: http_listen = 127.0.0.1:0
-- expect-log: http: serving /metrics, /healthz, /status, /connections on 127.0.0.1:
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")
lib.run(function()
  local port = M.port()
  local text = M.scrape(port)
  M.check_promtool(text, "/metrics")
  for _, family in ipairs({ "luamilter_connections_total", "luamilter_connections_open",
      "luamilter_connections_refused_total", "luamilter_messages_total",
      "luamilter_recipients_total", "luamilter_stage_duration_seconds",
      "luamilter_policy_errors_total", "luamilter_breaker_open",
      "luamilter_reloads_total", "luamilter_script_info",
      "luamilter_decision_records_dropped_total",
      "luamilter_metrics_series_dropped_total", "luamilter_lua_memory_bytes",
      "process_cpu_seconds_total", "process_resident_memory_bytes",
      "process_open_fds", "process_start_time_seconds" }) do
    lib.check(text:find("\n# TYPE " .. family .. " ", 1, true), "/metrics has " .. family)
  end
  lib.check(M.value(text, 'luamilter_stage_duration_seconds_bucket{stage="eom",le="5e-05"}') ~= nil,
    "the stage histogram starts at 50 µs")
  lib.check(M.value(text, 'luamilter_stage_duration_seconds_bucket{stage="eom",le="10"}') ~= nil,
    "the stage histogram ends at 10 s")
  local version = lib.log():match("starting: script [^\n]* version (%x+)")
  lib.check(M.value(text, 'luamilter_script_info{version="' .. version .. '"}') == 1,
    "the script version serving")
  lib.check(M.value(text, "process_open_fds") > 3, "open descriptors are counted")
  lib.check(M.value(text, "process_resident_memory_bytes") > 1e6, "RSS is read")
  local start = M.value(text, "process_start_time_seconds")
  lib.check(math.abs(start - os.time()) < 600, "the start time is now-ish: " .. start)
  -- a connection's Lua state shows in the memory gauge while it is open
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.7"), "conninfo")
  lib.check(M.value(M.scrape(port), "luamilter_lua_memory_bytes") > 1000,
    "an open connection's Lua memory")
  mt.disconnect(conn)
  local body, code = M.fetch(port, "/healthz")
  lib.check(code == 200 and body == "ok\n", "/healthz: " .. tostring(code) .. " " .. body)
  body, code = M.fetch(port, "/status")
  lib.check(code == 200, "/status answered")
  lib.sh("printf '%s' '" .. body:gsub("'", "") .. "' | jq -e '.version and (.script.version | length) == 12 and .breaker == \"closed\" and .draining == false' >/dev/null")
  body, code = M.fetch(port, "/connections")
  lib.check(code == 200, "/connections answered")
  lib.sh("printf '%s' '" .. body:gsub("'", "") .. "' | jq -e . >/dev/null")
  body, code = M.fetch(port, "/nope")
  lib.check(code == 404, "an unknown path is 404, got " .. tostring(code))
  body, code = M.fetch(port, "/metrics", "POST")
  lib.check(code == 405, "POST /metrics is 405, got " .. tostring(code))
  body, code = M.fetch(port, "/healthz", "DELETE")
  lib.check(code == 405, "DELETE /healthz is 405, got " .. tostring(code))
end)
