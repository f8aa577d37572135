-- SIGTERM with a connection that never finishes: luamilter stops taking
-- connections at once, waits shutdown_grace seconds for it, says so, and
-- exits 0 (the MTA then applies its own default to that message).
-- conf: shutdown_grace = 1
-- expect-log: waiting for 1 open connection to finish
-- expect-log: stopping with 1 connection still open
-- expect-log: stopped
-- expect-exit: 0
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  lib.until_envfrom("stuck")
  local t0 = lib.now()
  lib.kill("TERM")
  mt.sleep(0.2)
  local path = socket:gsub("^unix:", "")
  lib.check(not os.execute("test -e '" .. path .. "'"), "socket removed at once")
  lib.check(os.execute("kill -0 " .. pid .. " 2>/dev/null"), "still draining after 0.2 s")
  while os.execute("kill -0 " .. pid .. " 2>/dev/null") do
    lib.check(lib.now() - t0 < 5, "luamilter exits once shutdown_grace is over")
    mt.sleep(0.05)
  end
  lib.check(lib.now() - t0 >= 0.9, "it waited shutdown_grace before giving up")
  -- conn is dead now; miltertest cannot disconnect it cleanly
end)
