-- A table changed on disk while mail flows is picked up without a reload
-- (table_check = 1), and never seen half written: the file is rewritten in
-- place in two halves with a pause between them (shorter than the second
-- a file must rest before it is read), then replaced by a rename; a lookup
-- between any two writes sees one whole version, the old or the new.
-- policy: policies/tables-version.lua
-- setup: awk 'BEGIN { print "first v1"; for (i = 0; i < 20000; i++) print "k" i " v1"; print "last v1" }' >v.texthash
-- setup: touch -d '1 minute ago' v.texthash
-- conf: table = v texthash:v.texthash
-- conf: table_check = 1
-- expect-log: table texthash:
-- expect-log: tables-version: v5 v5
local lib = dofile(srcdir .. "/lib.lua")
local path = tmpdir .. "/v.texthash"

-- version: the table's text for version word v, in two halves
local function version(v)
  local lines = { "first " .. v }
  for i = 0, 19999 do lines[#lines + 1] = "k" .. i .. " " .. v end
  lines[#lines + 1] = "last " .. v
  local half = #lines // 2
  return table.concat(lines, "\n", 1, half) .. "\n",
    table.concat(lines, "\n", half + 1) .. "\n"
end

-- ask: one MAIL on conn wanting version v; "new", "old" or "torn"
local function ask(conn, v)
  mt.macro(conn, SMFIC_MAIL, "{want}", v)
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  local r = mt.getreply(conn)
  lib.step(mt.abort(conn), "abort")
  if r == SMFIR_REJECT then return "new" end
  if r == SMFIR_CONTINUE then return "old" end
  return "torn"
end

-- asking: ask for secs, or until the new version answers (until_new);
-- fails on a torn answer; whether the new version answered
local function asking(conn, v, secs, until_new)
  local t0 = lib.now()
  repeat
    local a = ask(conn, v)
    lib.check(a ~= "torn", "a lookup saw version " .. v .. " half written")
    if a == "new" and until_new then return true end
    mt.sleep(0.05)
  until lib.now() - t0 > secs
  return false
end

lib.run(function()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.9"), "conninfo")
  lib.check(ask(conn, "v1") == "new", "version 1 at start")
  for round = 2, 4 do
    local v = "v" .. round
    local first, rest = version(v)
    local f = assert(io.open(path, "wb"))
    f:write(first)
    f:flush()
    asking(conn, v, 0.8, false)            -- the file is half written
    f:write(rest)
    f:close()
    lib.check(asking(conn, v, 5, true), v .. " was picked up without a reload")
  end
  local first, rest = version("v5")
  lib.write(path .. ".new", first .. rest)
  lib.check(os.rename(path .. ".new", path), "rename")
  lib.check(asking(conn, "v5", 5, true), "a table renamed into place was picked up")
  mt.disconnect(conn)
  lib.check(not lib.log():find("reloaded", 1, true), "no reload happened")
end)
