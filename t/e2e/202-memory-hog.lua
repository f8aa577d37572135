-- memory_limit: a state growing past the cap gets on_error; the daemon
-- stays healthy and serves the next connection.
-- policy: policies/contain.lua
-- conf: memory_limit = 8M
-- allow-errors
-- expect-log: memory_limit (8388608 bytes) exceeded
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local conn, reply = lib.until_envfrom("memory")
  lib.check(reply == SMFIR_REPLYCODE or reply == SMFIR_TEMPFAIL,
    "memory hog answered with a tempfail")
  mt.disconnect(conn)
  local c2 = lib.until_envfrom("fine")
  lib.reply(c2, SMFIR_CONTINUE, "next connection after a memory hog")
  mt.disconnect(c2)
end)
