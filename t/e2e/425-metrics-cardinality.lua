-- metrics_max_series caps the series of the policy's metrics: a policy
-- labelling by HELO gets 3 series, the other label values are dropped
-- and counted, and logged once; a label value that is not UTF-8 is
-- exported as U+FFFD and promtool still parses the output.
-- policy: policies/metrics-helo-label.lua
-- conf: http_listen = 127.0.0.1:0
-- conf: metrics_max_series = 3
-- expect-log: metrics_max_series (3) reached: new label values of luamilter_policy_helos are dropped
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")
lib.run(function()
  local port = M.port()
  M.message("bad\255\254.example")
  for i = 1, 6 do M.message("h" .. i .. ".example") end
  M.message("h1.example")                 -- an existing series still counts
  local text = M.scrape(port)
  M.check_promtool(text, "capped output")
  local series = 0
  for _ in text:gmatch("\nluamilter_policy_helos_total{") do series = series + 1 end
  lib.check(series == 3, "3 series, got " .. series)
  lib.check(M.value(text, 'luamilter_policy_helos_total{helo="bad\239\191\189\239\191\189.example"}') == 1,
    "invalid UTF-8 became U+FFFD")
  lib.check(M.value(text, 'luamilter_policy_helos_total{helo="h1.example"}') == 2, "h1 counted twice")
  lib.check(M.value(text, "luamilter_metrics_series_dropped_total") == 4, "4 label values dropped")
  local _, logged = lib.log():gsub("metrics_max_series %(3%) reached", "")
  lib.check(logged == 1, "logged once, got " .. logged)
end)
