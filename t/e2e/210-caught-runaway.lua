-- A script cannot escape the time budget by catching it: a runaway caught
-- by pcall, by a coroutine, by an xpcall handler that loops (Lua runs it
-- with hooks off), or by a __close handler that loops as its coroutine
-- dies, and then returning ACCEPT, still gets the on_error tempfail.  A
-- __gc finalizer (run with hooks off, at any allocation or at close) is
-- refused.  The daemon keeps serving afterwards.
-- policy: policies/contain.lua
-- conf: callback_timeout = 0.3
-- allow-errors
-- expect-log: envfrom ran over callback_timeout (0.3 s)
-- expect-log: __gc metamethods are not available to policies
-- expect-log: grant them with 'lua_allow = gc' in the config
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  for _, mode in ipairs({"caught-loop", "wrap-loop", "xpcall-loop", "close-loop", "gc-loop"}) do
    local t0 = lib.now()
    local conn, reply = lib.until_envfrom(mode)
    lib.check(reply == SMFIR_REPLYCODE or reply == SMFIR_TEMPFAIL,
      mode .. ": answered with a tempfail, not the script's accept")
    lib.check(lib.now() - t0 < 5, mode .. ": answered within the budget")
    mt.disconnect(conn)
  end
  local conn, reply = lib.until_envfrom("none")
  lib.check(reply == SMFIR_CONTINUE, "a well-behaved message still passes")
  mt.disconnect(conn)
end)
