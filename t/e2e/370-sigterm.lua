-- SIGTERM stops luamilter and removes its socket.
-- expect-log: stopped
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local path = socket:gsub("^unix:", "")
  lib.check(os.execute("test -S '" .. path .. "'"), "socket exists while running")
  lib.kill("TERM")
  local deadline = os.time() + 10
  while os.execute("kill -0 " .. pid .. " 2>/dev/null") do
    lib.check(os.time() < deadline, "luamilter exits after SIGTERM")
    mt.sleep(0.05)
  end
  lib.check(not os.execute("test -e '" .. path .. "'"), "socket removed")
end)
