-- shared.lua: drives the shared dictionaries from the HELO name, a
-- command; the answer is the X-Result header added at eom.
--   get:DICT:KEY        the value (or "nil")
--   set:DICT:KEY:VALUE  set it (a number when it reads as one)
--   hits:N              N increments of counts.hits (at RCPT TO)
--   fill:DICT:N:BYTES   N values of BYTES bytes under fresh keys
--   expiring:DICT:N:TTL N small entries expiring after TTL seconds
--   stats:DICT          "bytes keys evictions expired capacity free"
--   selftest            every method and its answers ("ok" or what failed)
-- The load client (t/perf/client.c, HELO client.example) does hits:1000.
local milter = require "milter"
local shared = require "milter.shared"

local P = milter.Base:extend()

function P:connect() end
function P:envfrom() end
function P:header() end
function P:eoh() end
function P:body() end
function P:hello(name) self.cmd = name end

function P:envrcpt()
  local n = self.cmd == "client.example" and 1000 or
    tonumber((self.cmd or ""):match("^hits:(%d+)$"))
  if n then
    local d = shared.counts
    for _ = 1, n do d:incr("hits", 1, 0) end
  end
end

local fill_serial = 0

-- check: raise naming what when got is not want
local function check(what, got, want)
  if got ~= want then
    error(what .. ": got " .. tostring(got) .. ", expected " .. tostring(want), 0)
  end
end

-- selftest: every method through this daemon
local function selftest()
  local d = shared.counts
  d:flush_all()
  check("get absent", d:get("a"), nil)
  local ok, forcible = d:set("a", "x\0y")
  check("set", ok, true)
  check("set forcible", forcible, false)
  check("get bytes", d:get("a"), "x\0y")
  d:set("i", 42)
  check("integer stays integer", math.type(d:get("i")), "integer")
  d:set("f", 0.5)
  check("float", d:get("f"), 0.5)
  d:set("b", false)
  check("boolean", d:get("b"), false)
  check("set nil deletes", (d:set("b", nil)), true)
  check("deleted", d:get("b"), nil)
  local added, err = d:add("a", "z")
  check("add existing", added, false)
  check("add existing err", err, "exists")
  check("add new", (d:add("n", 1)), true)
  local rep, rerr = d:replace("missing", 1)
  check("replace missing", rep, false)
  check("replace missing err", rerr, "not found")
  check("replace", (d:replace("n", 2)), true)
  check("replaced", d:get("n"), 2)
  check("incr", d:incr("n", 3), 5)
  local v, ierr = d:incr("none", 1)
  check("incr absent", v, nil)
  check("incr absent err", ierr, "not found")
  check("incr init", d:incr("c", 2, 10, 100), 12)
  check("init_ttl set", d:ttl("c") > 99 and d:ttl("c") <= 100, true)
  local nv, nerr = d:incr("a", 1)
  check("incr not a number", nv, nil)
  check("incr not a number err", nerr, "not a number")
  check("ttl no expiry", d:ttl("n"), 0)
  local t, terr = d:ttl("none")
  check("ttl absent", t, nil)
  check("ttl absent err", terr, "not found")
  check("expire", d:expire("n", 50), true)
  check("ttl after expire", d:ttl("n") > 49, true)
  local e, eerr = d:expire("none", 5)
  check("expire absent", e, false)
  check("expire absent err", eerr, "not found")
  check("delete", d:delete("n"), true)
  check("deleted n", d:get("n"), nil)
  check("capacity", d:capacity(), 1024 * 1024)
  check("free_space", d:free_space() > 0 and d:free_space() < d:capacity(), true)
  local keys = d:get_keys()
  check("get_keys", #keys, 4)             -- a i f c
  check("get_keys max", #d:get_keys(2), 2)
  local st = d:stats()
  check("stats keys", st.keys, 4)
  check("stats bytes", st.bytes > 0, true)
  check("bad value raises", pcall(d.set, d, "t", {}), false)
  check("bad key raises", pcall(d.get, d, 1), false)
  check("unknown dictionary raises", pcall(function() return shared.nope end), false)
  d:flush_all()
  check("flush_all", #d:get_keys(0), 0)
  return "ok"
end

function P:eom()
  local cmd = self.cmd or ""
  local result
  local a, b, c, e = cmd:match("^(%w+):([^:]*):?([^:]*):?(.*)$")
  if cmd == "selftest" then
    local ok, r = pcall(selftest)
    result = ok and r or ("FAILED: " .. tostring(r))
  elseif a == "get" then
    result = tostring(shared[b]:get(c))
  elseif a == "set" then
    result = tostring((shared[b]:set(c, tonumber(e) or e)))
  elseif a == "fill" then
    local n, size = tonumber(c), tonumber(e)
    local value = string.rep("v", size)
    local forced = 0
    for _ = 1, n do
      fill_serial = fill_serial + 1
      local _, f = shared[b]:set(tostring(fill_serial) .. ":" .. math.random(), value)
      if f then forced = forced + 1 end
    end
    result = tostring(forced)
  elseif a == "expiring" then
    for i = 1, tonumber(c) do shared[b]:set("exp" .. i, i, tonumber(e)) end
    result = "ok"
  elseif a == "stats" then
    local st, d = shared[b]:stats(), shared[b]
    result = string.format("%d %d %d %d %d %d", st.bytes, st.keys, st.evictions,
      st.expired, d:capacity(), d:free_space())
  end
  if result then self:addheader("X-Result", result) end
end

return P
