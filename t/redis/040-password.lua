-- 040-password: AUTH on each new connection; a wrong one fails clearly
-- and the pool does not hammer the server
local lib = dofile("t/redis/lib.lua")
local expect, starts = lib.expect, lib.starts
local T, WRONG, NOPASS = os.getenv("REDIS_TCP"), os.getenv("REDIS_TCP_WRONG"),
                         os.getenv("REDIS_TCP_NOPASS")

rtest.check("the right password, over TCP", function()
  rtest.setup{url = T, timeout = "2"}
  expect({"OK"}, redis.call("SET", "tcp", "yes"))
  expect({"yes"}, redis.call("GET", "tcp"))
end)

rtest.check("a wrong password: one attempt a second, a clear error", function()
  rtest.setup{url = WRONG, timeout = "2"}
  local before = lib.cmdstat(T, "auth")
  local err = starts("connection to 127.0.0.1:", redis.call("GET", "tcp"))
  assert(err:find("refused: AUTH: WRONGPASS", 1, true), err)
  assert(not err:find("wrong", 1, true), "the password shows in: " .. err)
  for _ = 1, 30 do starts("connection", redis.call("GET", "tcp")) end
  local st = rtest.stats()
  assert(st.connects == 1 and st.down, lib.show(st))
  assert(lib.cmdstat(T, "auth") - before <= 2, "AUTH hammered")
end)

rtest.check("no password: refused at connect with the server's NOAUTH", function()
  rtest.setup{url = NOPASS, timeout = "2"}
  local err = starts("connection to 127.0.0.1:", redis.call("GET", "tcp"))
  assert(err:find("refused: PING: NOAUTH", 1, true), err)
end)

rtest.check("a host name is refused in the URL", function()
  local ok, err = pcall(rtest.setup, {url = "redis://localhost:6379"})
  assert(not ok and err:find("not an IP address"), err)
end)
