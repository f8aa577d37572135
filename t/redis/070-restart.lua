-- 070-restart: Redis stopped and started again: calls fail at once with
-- "connection ..." (one connect attempt a second), and the pool reconnects
-- by itself when the server is back
local lib = dofile("t/redis/lib.lua")
local expect, starts = lib.expect, lib.starts
local U = os.getenv("REDIS_UNIX")

rtest.check("stop, fail fast, restart, recover", function()
  rtest.setup{url = U, timeout = "0.5", connections = "4"}
  expect({"PONG"}, redis.call("PING"))
  lib.ctl("stop", "plain")
  starts("connection", redis.call("PING"))      -- the idle one: closed
  starts("connection", redis.call("PING"))      -- the connect fails
  local st = rtest.stats()
  assert(st.down, lib.show(st))
  local t0 = rtest.now()
  for _ = 1, 200 do
    local err = starts("connection", redis.call("PING"))
    if rtest.now() - t0 < 0.9 then
      assert(err:find("down, next try in", 1, true) or
             err:find("reconnecting", 1, true), err)
    end
  end
  assert(rtest.stats().connects <= st.connects + 1, "retried at every call")
  lib.ctl("restart", "plain")
  local back, deadline = false, rtest.now() + 10
  while not back and rtest.now() < deadline do
    back = redis.call("PING") == "PONG"
    if not back then rtest.sleep(0.05) end
  end
  assert(back, "the pool did not reconnect within 10 s")
  st = rtest.stats()
  assert(not st.down, lib.show(st))
  expect({"OK"}, redis.call("SET", "after", "restart"))
end)
