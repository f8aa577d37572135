-- callback_timeout: "while true do end" in a callback neither hangs the
-- connection nor its worker: 451 4.3.0, and the log names the callback.
-- policy: policies/contain.lua
-- conf: callback_timeout = 0.5
-- allow-errors
-- expect-log: envfrom ran over callback_timeout (0.5 s)
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local t0 = lib.now()
  local conn, reply = lib.until_envfrom("loop")
  lib.check(reply == SMFIR_REPLYCODE or reply == SMFIR_TEMPFAIL,
    "runaway envfrom answered with a tempfail, got " .. string.char(math.floor(reply)))
  lib.check(lib.now() - t0 < 5, "the runaway was stopped within seconds")
  mt.disconnect(conn)
  -- the daemon still serves
  local c2, r2 = lib.until_envfrom("fine")
  lib.reply(c2, SMFIR_CONTINUE, "next connection after a runaway")
  mt.disconnect(c2)
end)
