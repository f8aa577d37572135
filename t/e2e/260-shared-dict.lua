-- Shared dictionaries (issue 11) through the daemon: every method of
-- require "milter.shared" answers as documented (policies/shared.lua's
-- selftest), and what one connection stores the next one reads.
-- policy: policies/shared.lua
-- conf: shared_dict = counts 1M
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local r = lib.ask("selftest")
  lib.check(r == "ok", "every method: " .. tostring(r))
  lib.check(lib.ask("set:counts:k:41") == "true", "set in one connection")
  lib.check(lib.ask("get:counts:k") == "41", "read in the next one")
  lib.check(lib.ask("hits:5") == nil and lib.ask("hits:7") == nil, "two counting connections")
  lib.check(lib.ask("get:counts:hits") == "12", "their counts add up")
end)
