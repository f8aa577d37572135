-- 080-too-large: replies over redis_max_reply give nil, "reply too large"
-- and drop their connection; the pool goes on
local lib = dofile("t/redis/lib.lua")
local expect = lib.expect
local U = os.getenv("REDIS_UNIX")

rtest.setup{url = U, timeout = "5", max_reply = "1M"}
assert(rtest.admin(U, "SET", "big", string.rep("b", 2 * 1024 * 1024)))
assert(rtest.admin(U, "SET", "ok", string.rep("o", 512 * 1024)))

rtest.check("a 2 MiB value over a 1M cap", function()
  local before = rtest.stats().dropped
  expect({nil, "reply too large"}, redis.call("GET", "big"))
  assert(rtest.stats().dropped == before + 1)
  assert(#redis.call("GET", "ok") == 512 * 1024)
end)

rtest.check("many small elements count too", function()
  assert(rtest.admin(U, "DEL", "list"))
  assert(rtest.admin(U, "EVAL", "for i = 1, 30000 do " ..
                     "redis.call('RPUSH', KEYS[1], 'x') end return 1", "1", "list"))
  expect({nil, "reply too large"}, redis.call("LRANGE", "list", 0, -1))
  assert(#redis.call("LRANGE", "list", 0, 99) == 100)
end)

rtest.check("a pipeline's replies share the cap", function()
  expect({nil, "reply too large"},
         redis.pipeline{{"GET", "ok"}, {"GET", "ok"}, {"GET", "ok"}})
  expect({"PONG"}, redis.call("PING"))
end)
