-- max_connections: the connection past the limit gets 451 4.3.2 at
-- connect, with a log line; nothing hangs; freed slots are reused.
-- policy: policies/contain.lua
-- conf: max_connections = 2
-- expect-log: max_connections (2) reached
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local a = lib.until_envfrom("fine")
  local b = lib.until_envfrom("fine")
  local c = lib.connect()
  lib.step(mt.conninfo(c, "client.example", "192.0.2.9"), "conninfo")
  lib.reply(c, SMFIR_REPLYCODE, "third connection refused with a reply code")
  mt.disconnect(c)
  mt.disconnect(a)
  mt.sleep(0.3)
  local d = lib.until_envfrom("fine")
  lib.reply(d, SMFIR_CONTINUE, "a freed slot is used again")
  mt.disconnect(d)
  mt.disconnect(b)
end)
