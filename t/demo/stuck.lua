-- t/demo/stuck.lua: a miltertest session that stops after end of headers
-- and waits, as an MTA stuck on a slow client would (run by
-- scripts/observe-demo; socket given with -D socket=...)
local conn = mt.connect(socket, 40, 0.25)
assert(conn, "cannot connect to " .. socket)
assert(mt.conninfo(conn, "slow.example.net", "203.0.113.50") == nil)
assert(mt.helo(conn, "slow.example.net") == nil)
assert(mt.macro(conn, SMFIC_MAIL, "i", "4QxDemo1Stuck") == nil)
assert(mt.mailfrom(conn, "<slow@example.net>") == nil)
assert(mt.rcptto(conn, "<b@example.org>") == nil)
assert(mt.header(conn, "Subject", "slow") == nil)
assert(mt.eoh(conn) == nil)
mt.sleep(tonumber(hold) or 6)
mt.disconnect(conn)
