-- 090-refused: blocking, administrative and connection-state commands
-- raise an error naming them, and reach no server
local lib = dofile("t/redis/lib.lua")
local fails, expect = lib.fails, lib.expect
local U = os.getenv("REDIS_UNIX")

rtest.setup{url = U, timeout = "2"}

rtest.check("each refused command raises, any case", function()
  local before = lib.cmdstat(U, "keys") + lib.cmdstat(U, "flushall")
  for _, c in ipairs{"SUBSCRIBE", "PSUBSCRIBE", "MONITOR", "BLPOP", "BRPOP",
                     "BLMOVE", "BZPOPMIN", "BZPOPMAX", "WAIT", "CLIENT",
                     "CONFIG", "DEBUG", "FLUSHALL", "FLUSHDB", "KEYS",
                     "SHUTDOWN", "SELECT", "AUTH", "HELLO", "QUIT"} do
    fails(c .. " is not allowed", redis.call, c:lower(), "x", "0")
    fails(c .. " is not allowed", redis.pipeline, {{c, "x", "0"}})
  end
  assert(lib.cmdstat(U, "keys") + lib.cmdstat(U, "flushall") == before)
end)

rtest.check("XREAD with BLOCK raises, without it works", function()
  fails("XREAD with BLOCK is not allowed", redis.call, "XREAD", "BLOCK",
        "100", "STREAMS", "s", "$")
  redis.call("XADD", "s", "*", "f", "v")
  local r = redis.call("XREAD", "COUNT", "1", "STREAMS", "s", "0")
  assert(type(r) == "table" and r[1][1] == "s", lib.show(r))
end)

rtest.check("SHUTDOWN never reached the server", function()
  expect({"PONG"}, redis.call("PING"))
end)
