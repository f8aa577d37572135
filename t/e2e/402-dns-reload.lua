-- SIGHUP with new dns_servers: new connections ask the new servers, a
-- connection opened before keeps the resolver it started with.
-- policy: policies/dns-query.lua
-- dns-server
-- conf: dns_timeout = 1
-- expect-log: dns: now forwarding to 127.0.0.1:9
local lib = dofile(srcdir .. "/lib.lua")

-- lookup: one MAIL on conn; the log line it wrote
local function lookup(conn, mark)
  mt.macro(conn, SMFIC_MAIL, "{dns_query}", "a.zone.test/A")
  lib.step(mt.mailfrom(conn, "<" .. mark .. "@example.com>"), "mailfrom")
  lib.reply(conn, SMFIR_CONTINUE, "mailfrom")
  lib.step(mt.abort(conn), "abort")
end

-- wait_count: wait (up to 5 s) until the log says text n times
local function wait_count(text, n)
  for _ = 1, 100 do
    if lib.count(text) >= n then return true end
    mt.sleep(0.05)
  end
  return false
end

lib.run(function()
  local old = lib.connect()
  lookup(old, "first")
  lib.check(wait_count("dns-query: 1: 192.0.2.1", 1), "the test server answers")

  local f = assert(io.open(tmpdir .. "/milter.conf", "rb"))
  local conf = f:read("a")
  f:close()
  conf = conf:gsub("dns_servers = [^\n]*", "dns_servers = 127.0.0.1:9")
  f = assert(io.open(tmpdir .. "/milter.conf", "wb"))
  f:write(conf)
  f:close()
  lib.kill("HUP")
  lib.wait_log("generation 2")

  local new = lib.connect()
  lookup(new, "second")
  lib.check(wait_count("dns-query: 1: nil ", 1), "a new connection asks the new (dead) server")
  lookup(old, "third")
  lib.check(wait_count("dns-query: 1: 192.0.2.1", 2) and lib.count("dns-query: 1: nil ") == 1,
    "the old connection keeps its resolver")
  mt.disconnect(new)
  mt.disconnect(old)
end)
