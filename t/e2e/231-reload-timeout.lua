-- reload_timeout bounds a reload: one whose new script is stuck in a
-- library call is refused when reload_timeout passes (logged, the old
-- script keeps serving), and a SIGHUP sent while it was stuck is carried
-- out right after, so a fixed script then serves.  A later good SIGHUP
-- reloads as usual.
-- policy: policies/version-v1.lua
-- conf: callback_timeout = 0.3
-- conf: reload_timeout = 5
-- allow-errors
-- expect-log: reload refused: not done after reload_timeout (5 s)
-- expect-log: SIGHUP during a reload
-- expect-log: generation 2
-- expect-log: generation 3
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  lib.use_policy("policies/stuck-toplevel.lua")
  lib.kill("HUP")
  lib.wait_log("past callback_timeout inside a library call", 20)
  lib.use_policy("policies/version-v2.lua")
  lib.kill("HUP")                     -- during the stuck reload
  lib.check(lib.stamp_of_new_connection() == "v1", "v1 serves meanwhile")
  lib.wait_log("reload refused: not done after reload_timeout", 30)
  lib.wait_log("generation 2", 30)
  lib.check(lib.stamp_of_new_connection() == "v2",
    "the SIGHUP sent during the stuck reload loaded v2")
  lib.use_policy("policies/version-v1.lua")
  lib.kill("HUP")
  lib.wait_log("generation 3", 30)
  lib.check(lib.stamp_of_new_connection() == "v1", "a later SIGHUP reloads")
end)
