-- The policy's metrics (Policy.metrics, self:metric through
-- milter.metrics): counter with labels, histogram, gauge; scraped before
-- and after known traffic, the deltas are the traffic's; promtool finds
-- the output clean.  Misuse raises in the callback (on_error answers).
-- policy: policies/metrics-v1.lua
-- conf: http_listen = 127.0.0.1:0
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")
lib.run(function()
  local port = M.port()
  M.message("warmup.example")           -- a live state declares (commits) them
  local before = M.scrape(port)
  M.message("new-a.example")
  M.message("new-b.example")
  M.message("old.example")
  local after = M.scrape(port)
  M.check_promtool(after, "/metrics with policy metrics")
  local function delta(sample)
    return (M.value(after, sample) or 0) - (M.value(before, sample) or 0)
  end
  lib.check(after:find("\n# TYPE luamilter_policy_greylist_total counter\n", 1, true),
    "the counter is exported with _total")
  lib.check(delta('luamilter_policy_greylist_total{outcome="new"}') == 2, "two new")
  lib.check(delta('luamilter_policy_greylist_total{outcome="pass"}') == 1, "one pass")
  lib.check(delta("luamilter_policy_score_count") == 3, "three scores observed")
  lib.check(delta('luamilter_policy_score_bucket{le="10"}') == 3, "each body is 6 bytes")
  lib.check(delta('luamilter_policy_score_bucket{le="5"}') == 0, "none at most 5 bytes")
  lib.check(delta("luamilter_policy_score_sum") == 18, "the scores add up")
  lib.check(M.value(after, "luamilter_policy_inflight") == 0, "the gauge was set back to 0")
end)
