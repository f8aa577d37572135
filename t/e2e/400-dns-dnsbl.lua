-- dnsbl.lua through the daemon against the test DNS server: a listed
-- client (IPv4, IPv6) gets 554 5.7.1 at RCPT, an unlisted one is let
-- through, a list that never answers or refuses the resolver lets mail
-- through with a log line, within dns_timeout.
-- policy: policies/dns-dnsbl.lua
-- dns-server
-- conf: dns_timeout = 1
-- expect-log: dnsbl: 127.0.0.2 listed in dnsbl.test as 127.0.0.2
-- expect-log: dnsbl: 2001:db8::2 listed in dnsbl.test as 127.0.0.2
-- expect-log: dnsbl: slow.test could not be asked about 192.0.2.1 (timeout)
-- expect-log: dnsbl: dnsbl.test gave no usable answer for 127.0.0.3: answer 127.255.255.254
local lib = dofile(srcdir .. "/lib.lua")

-- rcpt_reply: a connection from ip up to RCPT; the reply there, seconds
local function rcpt_reply(ip)
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", ip), "conninfo")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  local t0 = lib.now()
  lib.step(mt.rcptto(conn, "<b@example.org>"), "rcpt")
  return conn, mt.getreply(conn), lib.now() - t0
end

lib.run(function()
  local c1, r1 = rcpt_reply("127.0.0.2")
  lib.check(r1 == SMFIR_REPLYCODE, "a listed client is refused at RCPT")
  mt.disconnect(c1)
  local c2, r2 = rcpt_reply("2001:db8::2")
  lib.check(r2 == SMFIR_REPLYCODE, "a listed IPv6 client too")
  mt.disconnect(c2)
  local c3, r3, took = rcpt_reply("192.0.2.1")
  lib.check(r3 == SMFIR_CONTINUE, "an unlisted client goes on (slow.test timed out)")
  lib.check(took < 3, "the lookups that never answer end within dns_timeout: " .. took)
  lib.step(mt.eom(c3), "eom")
  lib.reply(c3, SMFIR_CONTINUE, "eom of the unlisted client")
  mt.disconnect(c3)
  local c4, r4 = rcpt_reply("127.0.0.3")
  lib.check(r4 == SMFIR_CONTINUE, "127.255.255.254 is no listing: mail goes on")
  mt.disconnect(c4)
end)
