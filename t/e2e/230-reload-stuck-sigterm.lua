-- A reload whose new script never gets out of one library call at its top
-- level (a backtracking string.find the time budget cannot interrupt) runs
-- on its own thread: the watchdog logs it like a stuck callback, the old
-- script goes on serving, and SIGTERM still drains and stops luamilter on
-- time (it abandons the reload; exit does not wait for the stuck thread).
-- policy: policies/version-v1.lua
-- conf: callback_timeout = 0.3
-- conf: shutdown_grace = 2
-- allow-errors
-- expect-log: checking the script
-- expect-log: the script's top level (or its tests) is
-- expect-log: past callback_timeout inside a library call
-- expect-log: SIGTERM during a reload: the reload is abandoned
-- expect-log: stopped
-- expect-exit: 0
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  lib.check(lib.stamp_of_new_connection() == "v1", "v1 serves at first")
  lib.use_policy("policies/stuck-toplevel.lua")
  lib.kill("HUP")
  lib.wait_log("past callback_timeout inside a library call", 20)
  lib.check(lib.stamp_of_new_connection() == "v1",
    "while the reload is stuck, v1 keeps serving new connections")
  lib.kill("TERM")
  lib.wait_exit(8, "SIGTERM during a stuck reload")
end)
