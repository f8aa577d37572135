-- 010-replies: every reply type from a real Redis, mapped as the issue says
local lib = dofile("t/redis/lib.lua")
local expect, fails, starts = lib.expect, lib.fails, lib.starts
local U = os.getenv("REDIS_UNIX")

rtest.check("unset: require works, calls say not configured", function()
  rtest.unset()
  local r = require "milter.redis"
  assert(r == redis and r.configured() == false)
  expect({nil, "redis is not configured"}, redis.call("PING"))
end)

rtest.setup{url = U, timeout = "2"}
assert(rtest.admin(U, "FLUSHALL"))

rtest.check("configured", function() assert(redis.configured() == true) end)

rtest.check("status replies are plain strings", function()
  expect({"OK"}, redis.call("SET", "s", "v"))
  expect({"PONG"}, redis.call("PING"))
  expect({"string"}, redis.call("TYPE", "s"))
end)

rtest.check("bulk strings keep their bytes", function()
  local bytes = "a\0b\r\n\255\128" .. string.rep("x", 1000)
  expect({"OK"}, redis.call("SET", "bin\0key", bytes))
  expect({bytes}, redis.call("GET", "bin\0key"))
  expect({""}, (function() redis.call("SET", "e", "") return redis.call("GET", "e") end)())
end)

rtest.check("integers", function()
  expect({1}, redis.call("INCR", "n"))
  expect({-4}, redis.call("INCRBY", "n", -5))
  expect({math.maxinteger}, (function()
    redis.call("SET", "big", math.maxinteger) return redis.call("INCRBY", "big", 0) end)())
  assert(math.type(redis.call("STRLEN", "s")) == "integer")
end)

rtest.check("nil bulk is false", function()
  expect({false}, redis.call("GET", "missing"))
  expect({{false, "v"}}, redis.call("MGET", "missing", "s"))
end)

rtest.check("arrays are tables, nested", function()
  redis.call("DEL", "l")
  redis.call("RPUSH", "l", "a", "b", "c")
  expect({{"a", "b", "c"}}, redis.call("LRANGE", "l", 0, -1))
  expect({{}}, redis.call("LRANGE", "nothing", 0, -1))
  redis.call("DEL", "st")
  local id = redis.call("XADD", "st", "1-1", "f", "v")
  expect({"1-1"}, id)
  expect({{{"1-1", {"f", "v"}}}}, redis.call("XRANGE", "st", "-", "+"))
  expect({{1, "two", {3, false, {"deep"}}}},
         redis.call("EVAL", "return {1, 'two', {3, false, {'deep'}}}", 0))
end)

rtest.check("error replies are nil, text", function()
  local v, err = redis.call("LPUSH", "s", "x")
  starts("WRONGTYPE", v, err)
  starts("ERR unknown command", redis.call("NOSUCHCOMMAND"))
  starts("ERR wrong number of arguments", redis.call("GET"))
  expect({{{err = "ERR nested"}}}, redis.call("EVAL",
         "return {redis.error_reply('ERR nested')}", 0))
end)

rtest.check("numbers as arguments", function()
  expect({"OK"}, redis.call("SET", "ttl", 1, "EX", 3600 / 60))
  local ttl = redis.call("TTL", "ttl")
  assert(ttl > 0 and ttl <= 60, ttl)
  expect({"1.5"}, redis.call("INCRBYFLOAT", "f", 1.5))
  expect({1}, redis.call("ZADD", "z", math.huge, "top"))
  expect({"inf"}, redis.call("ZSCORE", "z", "top"))
end)

rtest.check("misuse raises", function()
  fails("string (the command) expected", redis.call)
  fails("argument #2 must be a string or a number, not a table",
        redis.call, "GET", {})
  fails("argument #3 must be a string or a number, not a boolean",
        redis.call, "SET", "k", true)
end)

rtest.check("db from the URL (SELECT on each connection)", function()
  rtest.setup{url = U .. "?db=5", timeout = "2"}
  redis.call("SET", "where", "five")
  rtest.setup{url = U, timeout = "2"}
  expect({false}, redis.call("GET", "where"))
  expect({"five"}, rtest.admin(U .. "?db=5", "GET", "where"))
end)
