-- The engine itself checks Policy.metrics at load and installs
-- self:metric (no require "milter.metrics"): counts land in /metrics, and
-- a reload that turns the counter into a gauge is refused.
-- policy: policies/metrics-engine-v1.lua
-- conf: http_listen = 127.0.0.1:0
-- allow-errors
-- expect-log: metric luamilter_policy_greylist is a counter with labels (outcome); this declares a gauge with labels (outcome)
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")
local new = 'luamilter_policy_greylist_total{outcome="new"}'
lib.run(function()
  local port = M.port()
  M.message("new-a.example")
  M.message("new-b.example")
  M.message("old.example")
  local text = M.scrape(port)
  M.check_promtool(text, "/metrics with the engine's policy metrics")
  lib.check(M.value(text, new) == 2, "two new counted through self:metric")
  lib.check(M.value(text, 'luamilter_policy_greylist_total{outcome="pass"}') == 1, "one pass")
  local held = lib.connect()           -- an open connection holds Lua memory
  lib.step(mt.conninfo(held, "held.example", "192.0.2.3"), "conninfo")
  local mem = M.value(M.scrape(port), "luamilter_lua_memory_bytes")
  lib.check(mem ~= nil and mem > 0, "Lua memory of the open connection: " .. tostring(mem))
  mt.disconnect(held)
  lib.use_policy("policies/metrics-engine-v2.lua")
  lib.kill("HUP")
  lib.wait_log("this declares a gauge", 30)
  lib.check(lib.log():find("reload failed", 1, true), "the type change is refused")
  lib.check(lib.stamp_of_new_connection() == "e1", "e1 still serves")
  lib.check(M.value(M.scrape(port), new) == 2, "the counter kept its value")
end)
