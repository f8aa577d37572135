-- A callback stuck inside one library call (a pattern with heavy
-- backtracking: the time budget's hook cannot run there) is logged by the
-- watchdog while it runs, and still gets on_error, not its ACCEPT, when the
-- call returns.
-- policy: policies/backtrack.lua
-- conf: callback_timeout = 0.3
-- allow-errors
-- expect-log: envfrom is
-- expect-log: past callback_timeout inside a library call
-- expect-log: envfrom ran over callback_timeout (0.3 s)
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  mt.set_timeout(60)           -- the call takes seconds; slow machines more
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.9"), "conninfo")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  local reply = mt.getreply(conn)
  lib.check(reply == SMFIR_REPLYCODE or reply == SMFIR_TEMPFAIL,
    "the stuck envfrom answered with a tempfail, not its accept")
  mt.disconnect(conn)
end)
