-- Shared dictionaries survive SIGHUP (issue 11): a value stored before a
-- reload is read after it; a reload that adds a dictionary creates it; one
-- that resizes or removes one logs that this takes a restart and keeps it
-- as it is, data included.
-- policy: policies/shared.lua
-- conf: shared_dict = counts 1M
-- expect-log: shared_dict counts: resizing from 1M to 2M takes a restart; it stays at 1M
-- expect-log: shared_dict more (64K) is no longer in the config
local lib = dofile(srcdir .. "/lib.lua")
local conf = lib.slurp(tmpdir .. "/milter.conf")

local function reload(extra, n)
  lib.write(tmpdir .. "/milter.conf", conf:gsub("shared_dict[^\n]*\n", "") .. extra)
  lib.kill("HUP")
  local deadline = lib.now() + 20
  while select(2, lib.log():gsub("reloaded: ", "")) < n do
    lib.check(lib.now() < deadline, "reload " .. n .. " done")
    mt.sleep(0.05)
  end
end

lib.run(function()
  lib.check(lib.ask("set:counts:kept:before the reload") == "true", "stored")
  reload("shared_dict = counts 2M\nshared_dict = more 64K\n", 1)
  lib.check(lib.ask("get:counts:kept") == "before the reload",
    "the value survives the reload")
  lib.check(lib.ask("stats:counts"):match(" (%d+) %d+$") == tostring(1024 * 1024),
    "a resized dictionary stays at its size")
  lib.check(lib.ask("set:more:x:1") == "true", "the added dictionary exists")
  reload("shared_dict = counts 1M\n", 2)
  lib.check(lib.ask("get:more:x") == "1", "a removed dictionary stays, with its data")
  lib.check(lib.ask("get:counts:kept") == "before the reload", "still there")
end)
