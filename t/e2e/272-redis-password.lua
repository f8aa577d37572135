-- A wrong Redis password (issue 11): calls return nil, "connection ...
-- refused: AUTH: ..." and do not hammer the server (one attempt a second
-- while it counts as down); the right password, given by a SIGHUP, gets a
-- new pool that works.
-- policy: policies/redis.lua
-- conf: redis = unix:@TMPDIR@/r.sock?password=wrong
-- expect-log: redis: unix:
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  lib.redis("start", "r", "--requirepass s3cret")
  local got = lib.ask("call:PING")
  lib.check(got:find("^nil connection to unix:.* refused: AUTH: WRONGPASS") and
    not got:find("wrong", 1, true), "refused, the password not shown: " .. got)
  local t0 = lib.now()
  for _ = 1, 20 do
    got = lib.ask("call:PING")
    lib.check(got:find("^nil connection"), "still refused: " .. got)
  end
  local secs = lib.now() - t0
  local conns = tonumber(lib.redis_cli("r", "-a s3cret --no-auth-warning INFO stats")
    :match("total_connections_received:(%d+)"))
  lib.check(conns <= 3 + math.ceil(secs) * 1, conns .. " connections in " .. secs
    .. " s of calls: one try a second, not one per call")
  local conf = lib.slurp(tmpdir .. "/milter.conf")
  lib.write(tmpdir .. "/milter.conf", (conf:gsub("password=wrong", "password=s3cret")))
  lib.kill("HUP")
  lib.wait_log("reloaded: ", 20)
  got = lib.ask("call:PING")
  lib.check(got == "sPONG", "the new pool authenticates: " .. tostring(got))
end)
