-- Connection numbers in the log count live connections from 1: the test
-- contexts of the policy's own tests (run at start and at every reload) do
-- not use them up.
-- policy: policies/with-tests.lua
local lib = dofile(srcdir .. "/lib.lua")

-- one_connection: a connection through to eom, then closed
local function one_connection()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.7"), "conninfo")
  lib.step(mt.mailfrom(conn, "<a@x>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<b@x>"), "rcpt")
  lib.step(mt.eom(conn), "eom")
  lib.check(mt.eom_check(conn, MT_HDRADD, "X-Tested", "yes"), "eom ran")
  mt.disconnect(conn)
end

-- numbers: the connection numbers of "new connection" lines, in order
local function numbers()
  local out = {}
  for n in lib.log():gmatch("conn#(%d+): new connection") do
    out[#out + 1] = tonumber(n)
  end
  return out
end

lib.run(function()
  one_connection()
  lib.wait_log("conn#", 5)
  lib.kill("HUP")
  lib.wait_log("generation 2")
  one_connection()
  lib.kill("HUP")
  lib.wait_log("generation 3")
  one_connection()
  local deadline = os.time() + 10
  while #numbers() < 3 and os.time() <= deadline do mt.sleep(0.05) end
  local got = numbers()
  lib.check(#got == 3, "three new-connection lines, got " .. #got)
  lib.check(got[1] == 1 and got[2] == 2 and got[3] == 3,
    "live connections numbered 1, 2, 3 after the tests ran three times; got "
    .. table.concat(got, ", "))
end)
