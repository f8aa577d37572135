-- Two hosts, one Redis (issue 11): two luamilter daemons with their own
-- sockets and the same Redis run greylist.lua (delay 2 s): a triplet
-- greylisted through the first passes through the second after the
-- delay, and one greylisted through the second is known to the first.
-- policy: ../../lua/examples/greylist.lua
-- policy-edit: s/^Policy.delay = 300 /Policy.delay = 2 /
-- policy-edit: s/^Policy.tests = {/Policy.tests = nil and {/
-- conf: redis = unix:@TMPDIR@/r.sock
local lib = dofile(srcdir .. "/lib.lua")

local function rcpt(sock, ip, to) return (lib.envelope(ip, to, sock)) end
local greylisted = lib.deferred

lib.run(function()
  lib.redis("start", "r")
  local other, other_log = lib.start_daemon("second", {
    "script = " .. tmpdir .. "/policy.lua",
    "redis = unix:" .. tmpdir .. "/r.sock" })
  local t0 = lib.now()
  lib.check(greylisted(rcpt(socket, "192.0.2.1", "<a@x.org>")), "first host: greylisted")
  local r = rcpt(other, "192.0.2.1", "<a@x.org>")
  if lib.now() - t0 < 2 then       -- surely before the delay (a slow box may not be)
    lib.check(greylisted(r), "second host, before the delay: still greylisted (it knows the triplet)")
  end
  lib.check(greylisted(rcpt(other, "192.0.2.2", "<b@x.org>")), "second host: another triplet greylisted")
  mt.sleep(2.2)
  lib.check(rcpt(other, "192.0.2.1", "<a@x.org>") == SMFIR_CONTINUE,
    "second host, after the delay: the first host's triplet passes")
  lib.check(rcpt(socket, "192.0.2.2", "<b@x.org>") == SMFIR_CONTINUE,
    "first host: the second host's triplet passes")
  lib.check(rcpt(socket, "192.0.2.1", "<a@x.org>") == SMFIR_CONTINUE,
    "and the passed triplet is remembered")
  lib.check(not lib.slurp(other_log):find("not checked", 1, true), "the second host used Redis")
end)
