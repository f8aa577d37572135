-- A connection whose state cannot start (the script's top level fails) is
-- answered with on_error, and the log says the top level failed (not "a
-- reply-less stage"), each line of the error under the connection number.
-- policy: policies/top-level-switch.lua
-- conf: lua_allow = io
-- allow-errors
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  assert(os.execute("touch '" .. tmpdir .. "/fail-top'"))
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.10"), "conninfo")
  local r = mt.getreply(conn)
  lib.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, "connect tempfailed")
  mt.disconnect(conn)
  lib.wait_log("answering TEMPFAIL")
  local log = lib.log()
  lib.check(log:find("error: conn#1: cannot start the policy: [^\n]*policy.lua:9: "
    .. "the top level is down"), "the start failure, with file and line")
  lib.check(log:find("error: conn#1: stack traceback:", 1, true),
    "its traceback under the connection number")
  lib.check(log:find("notice: conn#1: connect: the policy could not start: its top "
    .. "level failed, answering TEMPFAIL 451 4.3.0 Temporary mail filter failure",
    1, true), "the answer says the top level failed")
  lib.check(not log:find("reply-less", 1, true), "no talk of a reply-less stage")
  lib.check(log:find("info: conn#1: new connection from client.example [192.0.2.10]:",
    1, true), "the client named")
  -- the file gone, the next connection works
  assert(os.execute("rm -f '" .. tmpdir .. "/fail-top'"))
  conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.10"), "conninfo 2")
  lib.reply(conn, SMFIR_CONTINUE, "connect works again")
  mt.disconnect(conn)
end)
