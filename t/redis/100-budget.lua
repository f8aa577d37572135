-- 100-budget: a call never outlasts the callback's budget: under 10 ms
-- left it sends nothing ("budget"); otherwise it waits at most
-- min(redis_timeout, what is left)
local lib = dofile("t/redis/lib.lua")
local expect, starts = lib.expect, lib.starts
local U = os.getenv("REDIS_UNIX")

rtest.setup{url = U, timeout = "5"}

rtest.check("under 10 ms left: budget, nothing sent", function()
  expect({"PONG"}, redis.call("PING"))
  local before = lib.cmdstat(U, "incr")
  rtest.time_left(0.005)
  expect({nil, "budget"}, redis.call("INCR", "b"))
  expect({nil, "budget"}, redis.pipeline{{"INCR", "b"}})
  expect({nil, "budget"}, redis.eval("return 1"))
  rtest.time_left(nil)
  assert(lib.cmdstat(U, "incr") == before, "sent without budget")
end)

rtest.check("a hung server: the budget, not redis_timeout, bounds it", function()
  expect({"PONG"}, redis.call("PING"))
  lib.ctl("pause", "plain")
  rtest.time_left(0.3)
  local t0 = rtest.now()
  local v, err = redis.call("INCR", "b")
  local took = rtest.now() - t0
  rtest.time_left(nil)
  lib.ctl("resume", "plain")
  starts("timeout", v, err)
  assert(took < 0.3 + 1.0, "took " .. took .. " s with 0.3 s left")
  local deadline = rtest.now() + 10
  repeat v = redis.call("PING") until v == "PONG" or rtest.now() > deadline
  expect({"PONG"}, v)
end)
