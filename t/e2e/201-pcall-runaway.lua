-- A runaway loop wrapped in pcall inside the script cannot swallow the
-- time budget.
-- policy: policies/contain.lua
-- conf: callback_timeout = 0.5
-- allow-errors
-- expect-log: envfrom ran over callback_timeout
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local conn, reply = lib.until_envfrom("pcall-loop")
  lib.check(reply == SMFIR_REPLYCODE or reply == SMFIR_TEMPFAIL,
    "pcall-wrapped runaway answered with a tempfail")
  mt.disconnect(conn)
end)
