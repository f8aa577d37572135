-- max_connections: connections are counted when accepted; the one past
-- the limit is closed at once, before any negotiation (the MTA applies its
-- own default, Postfix's milter_default_action), with a log line; nothing
-- hangs; freed slots are reused.
-- policy: policies/contain.lua
-- conf: max_connections = 2
-- expect-log: max_connections (2) reached: 1 new connection closed at once
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local a = lib.until_envfrom("fine")
  local b = lib.until_envfrom("fine")
  local c = lib.connect()
  local ok, res = pcall(mt.conninfo, c, "client.example", "192.0.2.9")
  lib.check(not ok or res ~= nil, "third connection closed without negotiating")
  mt.disconnect(a)
  mt.sleep(0.3)
  local d = lib.until_envfrom("fine")
  lib.reply(d, SMFIR_CONTINUE, "a freed slot is used again")
  mt.disconnect(d)
  mt.disconnect(b)
end)
