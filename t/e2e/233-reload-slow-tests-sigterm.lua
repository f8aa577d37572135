-- A reload whose 20 tests each run until callback_timeout would keep the
-- signal thread 20 callback_timeouts long; on its own thread it does not:
-- SIGTERM during it abandons the reload and stops luamilter on time.
-- policy: policies/version-v1.lua
-- conf: callback_timeout = 1
-- conf: shutdown_grace = 2
-- allow-errors
-- expect-log: SIGTERM during a reload: the reload is abandoned
-- expect-log: stopped
-- expect-exit: 0
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  lib.use_policy("policies/slow-tests.lua")
  lib.kill("HUP")
  lib.wait_log("SIGHUP: reloading", 10)
  mt.sleep(1.5)                       -- into the second test
  lib.check(lib.stamp_of_new_connection() == "v1", "v1 serves during the reload")
  lib.kill("TERM")
  lib.wait_exit(8, "SIGTERM during a reload running slow tests")
end)
