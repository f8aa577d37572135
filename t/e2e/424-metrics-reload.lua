-- Policy metrics live in C and are kept across reloads: a reload that
-- changes a metric's type or labels is refused (the old script keeps
-- serving, the counter keeps its value); one that keeps them, adds a
-- metric and rewords a help text is accepted.
-- policy: policies/metrics-v1.lua
-- conf: http_listen = 127.0.0.1:0
-- allow-errors
-- expect-log: metric luamilter_policy_greylist is a counter with labels (outcome); this declares a gauge with labels (outcome)
-- expect-log: this declares a counter with labels (outcome, zone)
-- expect-log: generation 2
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")
local pass = 'luamilter_policy_greylist_total{outcome="pass"}'

-- reload with policy name and wait for the log to show want
local function reload(name, want)
  lib.use_policy(name)
  lib.kill("HUP")
  lib.wait_log(want, 30)
end

lib.run(function()
  local port = M.port()
  M.message("one.example")
  M.message("two.example")
  lib.check(M.value(M.scrape(port), pass) == 2, "two counted by v1")
  reload("policies/metrics-v2-gauge.lua", "this declares a gauge")
  lib.check(lib.log():find("reload failed", 1, true), "the type change is refused")
  lib.check(lib.stamp_of_new_connection() == "v1", "v1 still serves")
  reload("policies/metrics-v3-labels.lua", "labels (outcome, zone)")
  lib.check(lib.stamp_of_new_connection() == "v1", "v1 still serves after the label change")
  local text = M.scrape(port)
  lib.check(M.value(text, pass) == 4, "the counter kept counting under v1")
  lib.check(text:find("\n# TYPE luamilter_policy_greylist_total counter\n", 1, true),
    "still a counter")
  reload("policies/metrics-v4-more.lua", "generation 2")
  lib.check(lib.stamp_of_new_connection() == "v4", "v4 serves")
  text = M.scrape(port)
  lib.check(M.value(text, pass) == 5, "the count survived the reload and goes on")
  lib.check(M.value(text, 'luamilter_policy_dnsbl_hits_total{zone="zen"}') == 1,
    "the new metric counts")
  lib.check(text:find("# HELP luamilter_policy_greylist_total Greylisting outcomes (v4)\n", 1, true),
    "the reworded help text")
  M.check_promtool(text, "after the reloads")
end)
