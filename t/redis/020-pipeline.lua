-- 020-pipeline: replies in order, errors in place, transactions
local lib = dofile("t/redis/lib.lua")
local expect, fails, starts = lib.expect, lib.fails, lib.starts
local U = os.getenv("REDIS_UNIX")

rtest.setup{url = U, timeout = "2"}
assert(rtest.admin(U, "FLUSHALL"))

rtest.check("replies in order, an error as {err = text}", function()
  redis.call("SET", "str", "x")
  expect({{1, 1, 60, {err = "WRONGTYPE Operation against a key holding the wrong kind of value"},
           false, "OK"}},
         redis.pipeline{{"INCR", "p"}, {"EXPIRE", "p", 60}, {"TTL", "p"},
                        {"LPUSH", "str", "y"}, {"GET", "none"},
                        {"SET", "q", 1.5}})
end)

rtest.check("an empty pipeline sends nothing", function()
  local before = lib.cmdstat(U, "ping")
  expect({{}}, redis.pipeline{})
  assert(lib.cmdstat(U, "ping") == before)
end)

rtest.check("MULTI/EXEC inside a pipeline", function()
  expect({{"OK", "QUEUED", "QUEUED", {1, 1}}},
         redis.pipeline{{"MULTI"}, {"INCR", "t"}, {"EXPIRE", "t", 30},
                        {"EXEC"}})
  expect({{"OK", "QUEUED", "OK"}},
         redis.pipeline{{"MULTI"}, {"INCR", "t"}, {"DISCARD"}})
  expect({"1"}, redis.call("GET", "t"))
end)

rtest.check("one round trip: 200 commands in one pipeline", function()
  local cmds = {}
  for i = 1, 200 do cmds[i] = {"INCR", "many"} end
  local out = assert(redis.pipeline(cmds))
  assert(#out == 200 and out[200] == 200, lib.show(out[200]))
end)

rtest.check("misuse raises before sending", function()
  local before = lib.cmdstat(U, "incr")
  fails("MULTI without EXEC or DISCARD", redis.pipeline,
        {{"MULTI"}, {"INCR", "x"}})
  fails("KEYS is not allowed", redis.pipeline, {{"INCR", "x"}, {"KEYS", "*"}})
  fails("command #2 must be a table", redis.pipeline, {{"INCR", "x"}, "PING"})
  fails("MULTI is only allowed inside redis.pipeline", redis.call, "MULTI")
  assert(lib.cmdstat(U, "incr") == before, "sent")
end)
