-- A new version of a table that does not parse is refused: the log names
-- its file and line, the version read before goes on answering, for open
-- connections and (after a SIGHUP, which reads the table again and says so
-- again) for new ones; a good version renamed into place then is used.
-- policy: policies/tables-version.lua
-- setup: printf 'first v1\nlast v1\n' >v.texthash
-- setup: touch -d '1 minute ago' v.texthash
-- conf: table = v texthash:v.texthash
-- conf: table_check = 1
-- allow-errors
-- expect-log: v.texthash:2: expected format: key whitespace value; keeping the version read before
-- expect-log: reloaded: script
local lib = dofile(srcdir .. "/lib.lua")
local path = tmpdir .. "/v.texthash"

-- ask: one MAIL on conn wanting version v; the reply
local function ask(conn, v)
  mt.macro(conn, SMFIC_MAIL, "{want}", v)
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  local r = mt.getreply(conn)
  lib.step(mt.abort(conn), "abort")
  return r
end

-- replace: the table's file replaced by text, at once (a rename)
local function replace(text)
  lib.write(path .. ".new", text)
  lib.check(os.rename(path .. ".new", path), "rename")
end

lib.run(function()
  local old = lib.connect()
  lib.step(mt.conninfo(old, "client.example", "192.0.2.9"), "conninfo")
  lib.check(ask(old, "v1") == SMFIR_REJECT, "version 1 at start")
  replace("first v2\nno-value-here\nlast v2\n")
  lib.wait_log("v.texthash:2: expected format", 5)
  lib.check(ask(old, "v1") == SMFIR_REJECT, "the bad version is refused: v1 still answers")
  mt.sleep(2.5)
  lib.check(lib.count("v.texthash:2: expected format") == 1, "the bad version is said once")
  lib.kill("HUP")
  lib.wait_log("reloaded: script")
  lib.check(lib.count("v.texthash:2: expected format") == 2, "a SIGHUP reads it again and says so")
  local new = lib.connect()
  lib.step(mt.conninfo(new, "client.example", "192.0.2.9"), "conninfo")
  lib.check(ask(new, "v1") == SMFIR_REJECT, "a new connection after the SIGHUP gets v1 too")
  replace("first v3\nlast v3\n")
  local t0 = lib.now()
  while ask(new, "v3") ~= SMFIR_REJECT do
    lib.check(lib.now() - t0 < 5, "the good version was picked up")
    mt.sleep(0.1)
  end
  lib.check(ask(old, "v3") == SMFIR_REJECT, "the open connection gets it too")
  mt.disconnect(new)
  mt.disconnect(old)
end)
