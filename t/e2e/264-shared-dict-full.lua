-- A full dictionary (issue 11) evicts the least recently used entries
-- (set answers forcible, stats count evictions) and its memory stays
-- bounded: writing 80 MB into an 8M dictionary grows the daemon's RSS by
-- far less (not measured on the ASan build).  Expired entries are swept in
-- the background: with no write after they expire, they are freed.
-- policy: policies/shared.lua
-- conf: shared_dict = small 64K
-- conf: shared_dict = big 8M
-- conf: shared_dict = counts 1M
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local forced = tonumber((lib.ask("fill:small:200:1000")))
  lib.check(forced and forced > 100, "200 KB into 64K: sets were forcible: " .. tostring(forced))
  local bytes, keys, evictions = lib.ask("stats:small"):match("^(%d+) (%d+) (%d+)")
  lib.check(tonumber(evictions) >= forced and tonumber(keys) < 64 and
    tonumber(bytes) <= 65536, "evictions counted, the dictionary within its size")

  local before = lib.rss_kib(pid)
  for _ = 1, 40 do lib.ask("fill:big:2000:1000") end        -- 80 MB written
  local growth = lib.rss_kib(pid) - before
  if not lib.asan() then
    lib.check(growth < 8 * 1024 * 1.5 + 16 * 1024,
      "80 MB into an 8M dictionary grew RSS by " .. growth .. " KiB")
  end

  lib.check(lib.ask("expiring:counts:500:0.5") == "ok", "500 entries expiring in 0.5 s")
  local st = lib.ask("stats:counts")
  lib.check(tonumber(st:match("^%d+ (%d+)")) == 500, "held: " .. st)
  local deadline = lib.now() + 10
  repeat
    mt.sleep(0.2)
    st = lib.ask("stats:counts")
    local k, expired = st:match("^%d+ (%d+) %d+ (%d+)")
    if tonumber(k) == 0 and tonumber(expired) == 500 then break end
  until lib.now() > deadline
  lib.check(st:match("^%d+ 0 0 500 "), "swept without a write: " .. st)
end)
