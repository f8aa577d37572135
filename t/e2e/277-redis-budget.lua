-- A Redis call never runs past the callback's time (issue 11): with
-- callback_timeout = 1 and redis_timeout = 5, a call on a hung server made
-- 0.5 s into the callback returns "timeout ..." within what is left of the
-- budget, not after redis_timeout, and the callback goes on.  (Under 10 ms
-- left a call returns "budget" without sending: t/redis/100-budget; here
-- the rest of the callback would need those milliseconds on a busy box.)
-- policy: policies/redis.lua
-- conf: redis = unix:@TMPDIR@/r.sock
-- conf: redis_timeout = 5
-- conf: callback_timeout = 1
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  lib.redis("start", "r")
  lib.check(lib.ask("call:PING") == "sPONG", "a pooled connection")
  lib.redis("pause", "r")
  local took, err = lib.ask("late:0.5 GET k"):match("^(%S+) (.*)$")
  lib.check(err and err:find("^timeout"), "a hung server: timeout, got " .. tostring(err))
  lib.check(tonumber(took) < 0.7, "within what was left of the callback (0.5 s), took " .. tostring(took))
  lib.redis("resume", "r")
end)
