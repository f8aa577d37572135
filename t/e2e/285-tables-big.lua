-- A 1 000 000-line texthash table and a 100 000-line cidr table load at
-- start and answer every connection with one copy in memory: 100
-- connections held open, each after its lookups, add no more to the
-- daemon's resident memory than their own Lua states (a copy of the tables
-- per connection would add gigabytes).
-- policy: policies/tables-big.lua
-- setup: awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "host%d.Example%d.test value-%d\n", i, i % 977, i }' >names.texthash
-- setup: awk 'BEGIN { for (i = 0; i < 100000; i++) if (i % 2) printf "11.%d.%d.0/24 net-%d\n", int(i / 256) % 256, i % 256, i; else printf "10.%d.%d.%d net-%d\n", int(i / 65536), int(i / 256) % 256, i % 256, i }' >nets.cidr
-- setup: touch -d '1 minute ago' names.texthash nets.cidr
-- conf: table = names texthash:names.texthash
-- conf: table = nets cidr:nets.cidr
-- conf: log_level = info
-- start-wait: 60
-- expect-log: table names: texthash:names.texthash, 1000000 rules
-- expect-log: table nets: cidr:nets.cidr, 100000 rules
-- expect-log: tables-big: value-999999 net-99998
local lib = dofile(srcdir .. "/lib.lua")

-- rss: the daemon's resident memory, kB
local function rss()
  local s = lib.slurp("/proc/" .. pid .. "/status")
  return tonumber(s:match("VmRSS:%s*(%d+)"))
end

lib.run(function()
  local before = rss()
  local conns = {}
  for i = 1, 100 do
    local n = i * 9999 + 9
    local name = ("host%d.Example%d.test"):format(n, n % 977)
    local ip = ("10.%d.%d.%d"):format(i // 256, i % 256, 0)
    if i == 100 then name, ip = ("HOST999999.example%d.TEST"):format(999999 % 977), "10.1.134.158" end
    local c = lib.connect()
    lib.step(mt.conninfo(c, name, ip), "conninfo " .. i)
    conns[i] = c
  end
  lib.wait_log("tables-big: value-999999")
  local log = lib.log()
  local answered = select(2, log:gsub("tables%-big: value%-%d+ net%-%d+", ""))
  lib.check(answered == 100, "every connection found both keys: " .. answered)
  local held = rss()
  io.stderr:write(("RSS with the tables loaded %d kB, with 100 connections open %d kB\n")
    :format(before, held))
  lib.check(held - before < 40 * 1024,
    ("100 open connections added %d kB (their own states only)"):format(held - before))
  for _, c in ipairs(conns) do mt.disconnect(c) end
end)
