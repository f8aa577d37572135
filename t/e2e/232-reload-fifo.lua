-- A FIFO in place of the script is refused at once (only regular files
-- are opened as scripts, without blocking); a FIFO as a test vector's file
-- cannot hold the signal thread either: mail goes on with the old script
-- and SIGTERM stops luamilter on time.
-- policy: policies/version-v1.lua
-- conf: callback_timeout = 0.3
-- conf: shutdown_grace = 2
-- allow-errors
-- expect-log: policy.lua: not a regular file (a FIFO)
-- expect-exit: 0
local lib = dofile(srcdir .. "/lib.lua")
local function sh(cmd) assert(os.execute(cmd), cmd) end
lib.run(function()
  sh(string.format("rm -f '%s/policy.lua' && mkfifo '%s/policy.lua'", tmpdir, tmpdir))
  lib.kill("HUP")
  lib.wait_log("not a regular file", 20)
  lib.check(lib.stamp_of_new_connection() == "v1", "a FIFO script is refused, v1 serves")

  sh(string.format("rm -f '%s/policy.lua'", tmpdir))
  lib.use_policy("policies/fifo-vector.lua")
  sh(string.format("mkfifo '%s/vector.eml'", tmpdir))
  lib.kill("HUP")
  mt.sleep(1)
  lib.check(lib.stamp_of_new_connection() == "v1",
    "a script whose test vector is a FIFO does not replace v1")
  lib.kill("TERM")
  lib.wait_exit(8, "SIGTERM after a reload reading a FIFO vector")
end)
