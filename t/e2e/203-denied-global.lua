-- The sandbox: io is not there unless granted, and the error says how.
-- policy: policies/contain.lua
-- allow-errors
-- expect-log: 'io' is not available to policies; grant it with 'lua_allow = io' in the config
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local conn, reply = lib.until_envfrom("io")
  lib.check(reply == SMFIR_REPLYCODE or reply == SMFIR_TEMPFAIL,
    "denied global answered with a tempfail")
  mt.disconnect(conn)
end)
