-- Silent connections (issue 9, item 5): connections are counted when
-- accepted, not at their first callback.  500 sockets that never send a
-- byte against max_connections = 50: the 450 past the limit are closed at
-- once, an MTA negotiating meanwhile is closed too, the 50 held are dropped
-- once negotiate_timeout has passed (not before), and then mail flows.
-- conf: max_connections = 50
-- conf: negotiate_timeout = 3
-- expect-log: max_connections (50) reached
-- expect-log: dropped 50 connections that did not negotiate within negotiate_timeout (3 s)
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local p = assert(io.popen(string.format("'%s/../tools/silent' -n 500 -q 3 -w 60 '%s' 2>&1",
    srcdir, socket)))
  local out = p:read("a")
  p:close()
  local function field(name)
    return out:match("\n?" .. name .. " ([^\n]*)")
  end
  lib.check(field("opened") == "500", "500 silent connections opened:\n" .. out)
  lib.check(field("probe") == "closed",
    "an MTA connecting while 50 silent ones are held is closed at once:\n" .. out)
  lib.check(field("early") == "450", "the 450 past max_connections closed at once:\n" .. out)
  local late, lo, hi = field("late"):match("^(%d+) ([%d.]+) ([%d.]+)$")
  lib.check(late == "50", "the 50 held ones dropped later:\n" .. out)
  lib.check(tonumber(lo) >= 3, "none dropped before negotiate_timeout (3 s):\n" .. out)
  lib.check(field("open") == "0", "none left open:\n" .. out)
  -- real mail flows again
  local conn = lib.until_envfrom("mx.example")
  lib.reply(conn, SMFIR_CONTINUE, "envfrom after the flood")
  lib.rest_of_message(conn, "after the flood")
  mt.disconnect(conn)
end)
