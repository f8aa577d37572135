-- memory_total (issue 9, item 6): the Lua memory of all connections
-- together is capped.  Each of two sessions holding 5 MiB stays far under
-- memory_limit (64M), but together they pass memory_total = 8M: the
-- second one's callback gets on_error, and the log names memory_total.
-- Once the first has gone, the same request succeeds.
-- policy: policies/hold.lua
-- conf: memory_total = 8M
-- allow-errors
-- expect-log: memory_total (8388608 bytes, all connections together) exceeded
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local a, ra = lib.until_envfrom("hold5")
  lib.check(ra == SMFIR_CONTINUE, "the first session holds 5 MiB")
  local b, rb = lib.until_envfrom("hold5")
  lib.check(rb == SMFIR_TEMPFAIL or rb == SMFIR_REPLYCODE,
    "the second session, past memory_total, gets on_error (tempfail)")
  lib.check(not lib.log():find("memory_limit (", 1, true),
    "memory_limit is not what was hit")
  mt.disconnect(b)
  mt.disconnect(a)
  mt.sleep(0.3)
  local c, rc = lib.until_envfrom("hold5")
  lib.check(rc == SMFIR_CONTINUE, "with the first gone, 5 MiB fit again")
  lib.rest_of_message(c, "after")
  mt.disconnect(c)
end)
