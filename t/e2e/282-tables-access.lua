-- lua/examples/access.lua through the daemon, on the tables it declares
-- next to itself (copied there) and one table the config points at the
-- admin's own file (access_recipient): a blocked network is refused at
-- connect, a blocked sender domain (a subdomain of it) at MAIL, a
-- recipient by the admin's table instead of the policy's; clean mail
-- goes on.  No lua_allow word.
-- policy: ../../lua/examples/access.lua
-- copy: lua/examples/access_client.cidr
-- copy: lua/examples/access_sender
-- copy: lua/examples/access_recipient
-- setup: printf 'closed@example.org  REJECT Mailbox gone\n' >admin_recipient
-- conf: table = access_recipient texthash:admin_recipient
-- expect-log: access: client 192.0.2.9 550 5.7.1 Your network is blocked here
-- expect-log: access: sender spammer.example 550 5.7.1 Go away
-- expect-log: access: recipient closed@example.org REJECT Mailbox gone
-- expect-log: table access_recipient: texthash:admin_recipient, 1 rules
local lib = dofile(srcdir .. "/lib.lua")

lib.run(function()
  local c1 = lib.connect()
  lib.step(mt.conninfo(c1, "bad.example", "192.0.2.9"), "conninfo")
  lib.reply(c1, SMFIR_REPLYCODE, "a blocked network is refused at connect")
  mt.disconnect(c1)

  local c2 = lib.connect()
  lib.step(mt.conninfo(c2, "c.example", "198.51.100.1"), "conninfo")
  lib.reply(c2, SMFIR_CONTINUE, "connect")
  lib.step(mt.mailfrom(c2, "<x@mail.spammer.example>"), "mailfrom")
  lib.reply(c2, SMFIR_REPLYCODE, "a subdomain of a blocked sender domain")
  mt.disconnect(c2)

  local c3 = lib.connect()
  lib.step(mt.conninfo(c3, "c.example", "198.51.100.1"), "conninfo")
  lib.step(mt.mailfrom(c3, "<a@ok.example>"), "mailfrom")
  lib.reply(c3, SMFIR_CONTINUE, "mailfrom")
  lib.step(mt.rcptto(c3, "<closed@example.org>"), "rcpt closed")
  lib.reply(c3, SMFIR_REPLYCODE, "the admin's table refuses closed@")
  lib.step(mt.rcptto(c3, "<open@example.org>"), "rcpt open")
  lib.reply(c3, SMFIR_CONTINUE, "an unlisted recipient")
  lib.step(mt.eom(c3), "eom")
  lib.reply(c3, SMFIR_CONTINUE, "eom")
  mt.disconnect(c3)
end)
