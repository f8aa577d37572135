-- 030-eval: EVALSHA with the script's SHA-1, EVAL after NOSCRIPT
local lib = dofile("t/redis/lib.lua")
local expect, starts = lib.expect, lib.starts
local U = os.getenv("REDIS_UNIX")

rtest.setup{url = U, timeout = "2"}
assert(rtest.admin(U, "FLUSHALL"))
local script = "redis.call('INCRBY', KEYS[1], ARGV[1]) " ..
               "return {redis.call('GET', KEYS[1]), #KEYS, #ARGV}"

rtest.check("our SHA-1 is the server's", function()
  expect({rtest.sha1(script)}, rtest.admin(U, "SCRIPT", "LOAD", script))
end)

rtest.check("NOSCRIPT falls back to EVAL, then EVALSHA alone", function()
  assert(rtest.admin(U, "SCRIPT", "FLUSH"))
  local sha0, ev0 = lib.cmdstat(U, "evalsha"), lib.cmdstat(U, "eval")
  expect({{"5", 1, 2}}, redis.eval(script, {"e"}, {5, "unused"}))
  assert(lib.cmdstat(U, "evalsha") == sha0 + 1)
  assert(lib.cmdstat(U, "eval") == ev0 + 1)
  expect({{"7", 1, 1}}, redis.eval(script, {"e"}, {2}))
  assert(lib.cmdstat(U, "evalsha") == sha0 + 2)
  assert(lib.cmdstat(U, "eval") == ev0 + 1, "EVAL sent again")
  assert(rtest.admin(U, "SCRIPT", "FLUSH"))
  expect({{"8", 1, 1}}, redis.eval(script, {"e"}, {1}))
  assert(lib.cmdstat(U, "eval") == ev0 + 2, "no fallback after a flush")
end)

rtest.check("keys and args optional; replies mapped", function()
  expect({false}, redis.eval("return false"))
  expect({"OK"}, redis.eval("return redis.status_reply('OK')"))
  expect({{"a", "b"}}, redis.eval("return ARGV", nil, {"a", "b"}))
  expect({{"k"}}, redis.eval("return KEYS", {"k"}))
end)

rtest.check("a script error is nil, text", function()
  local v, err = redis.eval("return redis.call('LPUSH', KEYS[1], 1)", {"e"})
  starts("WRONGTYPE", v, err)
  starts("ERR", redis.eval("this is not lua"))
end)
