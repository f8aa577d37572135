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
  -- the third one through rawmilter: miltertest would die of SIGPIPE
  local input = tmpdir .. "/raw.in"
  local f = assert(io.open(input, "w"))
  f:write("connect client.example inet 25 192.0.2.9\n")
  f:close()
  local p = assert(io.popen(string.format("'%s/../tools/rawmilter' -t 10 '%s' < '%s' 2>&1",
    srcdir, socket, input)))
  local out = p:read("a")
  p:close()
  lib.check(out:find("closed by filter", 1, true) and not out:find("connect continue", 1, true),
    "third connection closed without negotiating; rawmilter said:\n" .. out)
  mt.disconnect(a)
  mt.sleep(0.3)
  local d = lib.until_envfrom("fine")
  lib.reply(d, SMFIR_CONTINUE, "a freed slot is used again")
  mt.disconnect(d)
  mt.disconnect(b)
end)
