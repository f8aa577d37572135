-- Shared dictionaries are atomic across threads (issue 11): 64 concurrent
-- connections (t/perf/client.c) each increment one key 1000 times at RCPT
-- TO (policies/shared.lua); the key then holds exactly 64000.
-- policy: policies/shared.lua
-- conf: shared_dict = counts 1M
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local client = srcdir .. "/../../build/perf-client"
  local out, ok = lib.run_cmd(string.format("'%s' -s '%s' -c 64 -n 64 -m 1 -r 1 -H 1 -b 10",
    client, socket:gsub("^unix:", "")))
  lib.check(ok and out:find("errors 0", 1, true), "64 sessions ran: " .. out)
  local got = lib.ask("get:counts:hits")
  lib.check(got == "64000", "64 x 1000 increments give 64000, got " .. tostring(got))
end)
