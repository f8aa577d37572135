-- A bad shared_dict line (issue 11) stops luamilter -t and the start with
-- FILE:LINE: shared_dict: what is wrong; a reload to such a file is refused
-- and the running dictionaries keep serving.
-- policy: policies/shared.lua
-- conf: shared_dict = counts 1M
-- allow-errors
-- expect-log: reload failed, still serving the previous configuration and script
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local good = lib.slurp(tmpdir .. "/milter.conf")
  local bad = tmpdir .. "/bad.conf"
  local cases = {
    { "shared_dict = greylist", "expected 'NAME SIZE' (e.g. 'greylist 32M'), got 'greylist'" },
    { "shared_dict = 1grey 1M", "'1grey' is not a dictionary name" },
    { "shared_dict = grey 32X", "'32X' is not a size from 8K to 1T" },
    { "shared_dict = counts 2M", "'counts' is declared twice (first at line " },
  }
  local lines = select(2, good:gsub("\n", "")) + 1
  for _, c in ipairs(cases) do
    lib.write(bad, good .. c[1] .. "\n")
    local want = bad .. ":" .. lines .. ": shared_dict: " .. c[2]
    local out, ok = lib.run_cmd(string.format("'%s' -t -c '%s'", luamilter, bad))
    lib.check(not ok and out:find(want, 1, true), "-t: " .. want .. "\ngot: " .. out)
    out, ok = lib.run_cmd(string.format("'%s' -c '%s' -p unix:%s/other.sock",
      luamilter, bad, tmpdir))
    lib.check(not ok and out:find(want, 1, true), "start: " .. want .. "\ngot: " .. out)
  end
  lib.check(lib.ask("set:counts:k:v") == "true", "stored")
  lib.write(tmpdir .. "/milter.conf", good .. cases[2][1] .. "\n")
  lib.kill("HUP")
  lib.wait_log("reload failed", 20)
  lib.check(lib.ask("get:counts:k") == "v", "the dictionary keeps serving")
end)
