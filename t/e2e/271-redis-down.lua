-- A Redis that goes away never holds mail (issue 11): greylist.lua (delay
-- 1 s) on Redis greylists a new triplet; with the server stopped, then
-- hung (SIGSTOP), every recipient is answered (fail open, with a log line)
-- well within bounds, 32 concurrent messages all complete, no libmilter
-- thread stuck; started again, the pool reconnects by itself and
-- greylisting is back.
-- policy: ../../lua/examples/greylist.lua
-- policy-edit: s/^Policy.delay = 300 /Policy.delay = 1 /
-- policy-edit: s/^Policy.tests = {/Policy.tests = nil and {/
-- conf: redis = unix:@TMPDIR@/r.sock
-- conf: redis_timeout = 0.25
-- expect-log: greylist: not checked, letting it through: connection
-- expect-log: greylist: not checked, letting it through: timeout
-- expect-log: is back after
local lib = dofile(srcdir .. "/lib.lua")

local function rcpt(ip, to) return lib.envelope(ip, to) end
local greylisted = lib.deferred

lib.run(function()
  lib.redis("start", "r")
  lib.check(greylisted((rcpt("192.0.2.1", "<a@x.org>"))), "a new triplet is greylisted on Redis")
  lib.check(lib.redis_cli("r", "DBSIZE"):match("1"), "the triplet is in Redis")
  mt.sleep(1.2)
  lib.check(rcpt("192.0.2.1", "<a@x.org>") == SMFIR_CONTINUE,
    "the triplet, retried after the delay, passes")
  lib.redis("stop", "r")
  for i = 1, 10 do
    local r, took = rcpt("192.0.2.2", "<b" .. i .. "@x.org>")
    lib.check(r == SMFIR_CONTINUE, "Redis stopped: mail goes through")
    lib.check(took < 2, "answered at once, not after " .. took .. " s")
  end
  lib.redis("restart", "r")
  mt.sleep(1.2)                         -- the down window passes
  lib.check(greylisted((rcpt("192.0.2.3", "<c@x.org>"))), "back: greylisting again")
  lib.redis("pause", "r")               -- hung: accepts, never answers
  local r, took = rcpt("192.0.2.4", "<d@x.org>")
  lib.check(r == SMFIR_CONTINUE and took < 1.5,
    "a hung Redis: answered after redis_timeout, took " .. took .. " s")
  local out, ok = lib.run_cmd(string.format("'%s/../../build/perf-client' -s '%s' -c 32 -n 32 -m 1 -r 2 -H 1 -b 10",
    srcdir, socket:gsub("^unix:", "")))
  lib.check(ok and out:find("errors 0", 1, true), "32 concurrent messages complete: " .. out)
  lib.redis("resume", "r")
  mt.sleep(1.2)
  lib.check(greylisted((rcpt("192.0.2.5", "<e@x.org>"))), "resumed: greylisting again")
end)
