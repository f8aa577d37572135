-- The decision log is opened in append mode and reopened on SIGUSR1 (after
-- logrotate renamed it: records go to the new file, none is lost, the
-- script is not reloaded) and on SIGHUP, which also switches to another
-- file when the config names one.
-- policy: policies/decision.lua
-- conf: decision_log = decisions.log
-- expect-log: SIGUSR1: decision log reopened
local lib = dofile(srcdir .. "/lib.lua")
local D = dofile(srcdir .. "/decision-lib.lua")

local function one(qid)
  local conn = D.open("client.example", "192.0.2.7", "helo.example")
  D.message(conn, qid, { "<ok@x>" }, { { "Subject", "hi" } })
  mt.disconnect(conn)
end

lib.run(function()
  lib.write(D.file, '{"kept":"a line from before the start"}\n')
  one("Q1")
  D.wait_lines(2)
  lib.sh(string.format("mv '%s' '%s.1'", D.file, D.file))
  one("Q2")                                   -- still the renamed file
  D.wait_lines(3, 10, D.file .. ".1")
  lib.kill("USR1")
  lib.wait_log("SIGUSR1: decision log reopened", 10)
  one("Q3")
  D.wait_lines(1)
  D.check_valid(D.file .. ".1")
  D.check_valid()
  D.check([[map(.qid) == [null, "Q1", "Q2"] ]], "appended to the old file until SIGUSR1", D.file .. ".1")
  D.check([[map(.qid) == ["Q3"] ]], "a new file after SIGUSR1")
  lib.check(lib.count("SIGHUP") == 0 and lib.count("reloaded") == 0, "SIGUSR1 reloads nothing")
  -- SIGHUP with a config naming another file
  lib.sh(string.format("sed -i 's|^decision_log = .*|decision_log = %s/other.log|' '%s/milter.conf'",
    tmpdir, tmpdir))
  lib.kill("HUP")
  lib.wait_log("reloaded", 30)
  one("Q4")
  D.wait_lines(1, 10, tmpdir .. "/other.log")
  D.check([[map(.qid) == ["Q4"] ]], "SIGHUP switched to the file the config names", tmpdir .. "/other.log")
  D.check([[map(.qid) == ["Q3"] ]], "nothing more in the old file")
end)
