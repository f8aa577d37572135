-- SIGHUP: a new script serves new connections while a connection opened
-- before keeps the old one; a broken script, or one whose own tests fail,
-- is refused and the old one keeps serving.
-- policy: policies/version-v1.lua
-- allow-errors
-- expect-log: policy.lua:4:
-- expect-log: test expects a header it never adds: FAILED
local lib = dofile(srcdir .. "/lib.lua")

local message_on = lib.policy_stamp

local function open_conn()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), "conninfo")
  return conn
end

lib.run(function()
  local old = open_conn()
  lib.check(message_on(old) == "v1", "v1 serves at first")

  lib.use_policy("policies/version-v2.lua")
  lib.kill("HUP")
  lib.wait_log("generation 2")
  local new = open_conn()
  lib.check(message_on(new) == "v2", "a new connection gets v2")
  lib.check(message_on(old) == "v1", "the connection opened before keeps v1")
  mt.disconnect(new)
  mt.disconnect(old)

  lib.use_policy("policies/broken.lua")
  lib.kill("HUP")
  lib.wait_log("reload failed")
  local c3 = open_conn()
  lib.check(message_on(c3) == "v2", "a broken script is refused, v2 keeps serving")
  mt.disconnect(c3)

  lib.use_policy("policies/failing-tests.lua")
  lib.kill("HUP")
  lib.wait_log("policy tests failed")
  local c4 = open_conn()
  lib.check(message_on(c4) == "v2", "a script failing its own tests is refused")
  mt.disconnect(c4)

  lib.use_policy("policies/version-v1.lua")
  lib.kill("HUP")
  lib.wait_log("generation 3")
  local c5 = open_conn()
  lib.check(message_on(c5) == "v1", "a fixed script reloads fine")
  mt.disconnect(c5)
end)
