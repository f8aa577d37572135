-- greylist.lua on a shared dictionary (issue 11), no Redis: a new triplet
-- gets 451 at RCPT TO, a retry after the delay (1 s here) passes, and the
-- triplets survive a SIGHUP: after the reload the passed one still passes
-- at once and a new one is still greylisted.
-- policy: ../../lua/examples/greylist.lua
-- policy-edit: s/^Policy.delay = 300 /Policy.delay = 1 /
-- policy-edit: s/^Policy.tests = {/Policy.tests = nil and {/
-- conf: shared_dict = greylist 1M
local lib = dofile(srcdir .. "/lib.lua")

local function rcpt(ip, to) return (lib.envelope(ip, to)) end
local greylisted = lib.deferred

lib.run(function()
  local t0 = lib.now()
  lib.check(greylisted(rcpt("192.0.2.1", "<a@x.org>")), "a new triplet is greylisted")
  local r = rcpt("192.0.2.1", "<a@x.org>")
  if lib.now() - t0 < 1 then       -- surely before the delay (a slow box may not be)
    lib.check(greylisted(r), "too early: still greylisted")
  end
  mt.sleep(1.3)
  lib.check(rcpt("192.0.2.1", "<a@x.org>") == SMFIR_CONTINUE, "after the delay it passes")
  lib.check(greylisted(rcpt("192.0.2.9", "<z@x.org>")), "another one waits")
  lib.kill("HUP")
  lib.wait_log("reloaded: ", 20)
  lib.check(rcpt("192.0.2.1", "<a@x.org>") == SMFIR_CONTINUE, "after SIGHUP: the passed triplet passes")
  lib.check(greylisted(rcpt("192.0.2.200", "<y@x.org>")), "after SIGHUP: a new one is greylisted")
  mt.sleep(1.3)
  lib.check(rcpt("192.0.2.9", "<z@x.org>") == SMFIR_CONTINUE,
    "the one seen before the reload passes after its delay")
end)
