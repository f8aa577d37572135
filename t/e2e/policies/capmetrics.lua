-- capmetrics.lua: calls each capability a known number of times at eom,
-- chosen by the HELO name (t/e2e/445-449 check the metrics they move):
--   shared   counts: set a, get a, get missing, incr a, set s "x",
--            incr s (not a number), delete missing, ttl a
--   redis    SET k 1, GET k, INCR k, HGET k f (WRONGTYPE), a pipeline of
--            GET k and INCR k, then FLUSHALL (refused: raises, caught)
--   redis1   one GET k (for the timeout and the connection failure)
--   dns      a.zone.test/A (ok), nothere.zone.test/A (nxdomain),
--            zone.test/MX (ok), nodata.zone.test/AAAA (nodata)
--   dnsslow  x.slow.test/A (timeout)
--   tables   access: lookup of a listed and a missing key,
--            lookup_domain of a listed subdomain, lookup_address missing
-- The X-Result header says "done".  Its own tests call every one of
-- them (on stubs), so a reload runs them in the daemon.
local milter = require "milter"
local shared = require "milter.shared"
local redis = require "milter.redis"
local dns = require "milter.dns"
local tables = require "milter.tables"

local P = milter.Milter:extend()

local function run_shared()
  local d = shared.counts
  d:set("a", 1)
  d:get("a")
  d:get("missing")
  d:incr("a", 1)
  d:set("s", "x")
  d:incr("s", 1)
  d:delete("missing")
  d:ttl("a")
end

local function run_redis()
  redis.call("SET", "k", "1")
  redis.call("GET", "k")
  redis.call("INCR", "k")
  redis.call("HGET", "k", "f")
  redis.pipeline({ { "GET", "k" }, { "INCR", "k" } })
  pcall(redis.call, "FLUSHALL")
end

local function run_dns()
  dns.query("a.zone.test", "A")
  dns.query("nothere.zone.test", "A")
  dns.query("zone.test", "MX")
  dns.query("nodata.zone.test", "AAAA")
end

local function run_tables()
  local t = tables.access
  t:lookup("listed@example.org")
  t:lookup("missing@example.org")
  t:lookup_domain("sub.listed.example")
  t:lookup_address("<nobody@nowhere.example>")
end

local run = {
  shared = run_shared,
  redis = run_redis,
  redis1 = function() redis.call("GET", "k") end,
  dns = run_dns,
  dnsslow = function() dns.query("x.slow.test", "A") end,
  tables = run_tables,
}

function P:hello(name) self.cmd = name end

function P:eom()
  local f = run[self.cmd or ""]
  if f then f() end
  self:addheader("X-Result", "done")
end

local function stub_redis(cmd)
  if cmd == "HGET" then return nil, "WRONGTYPE stub" end
  return "1"
end

local dns_stub = {
  ["a.zone.test/A"] = { "192.0.2.1" },
  ["nothere.zone.test/A"] = "nxdomain",
  ["zone.test/MX"] = { { preference = 10, exchange = "mx1.zone.test" } },
  ["nodata.zone.test/AAAA"] = {},
  ["x.slow.test/A"] = "timeout",
}

local function probe(helo)
  return { name = "capability " .. helo .. " in a test",
    message = "Subject: probe\r\n\r\nbody\r\n", helo = helo,
    from = "<a@example.com>", rcpt = { "<b@example.org>" },
    redis = stub_redis, dns = dns_stub,
    expect = { result = "delivered", errors = false } }
end

P.tests = {
  probe("shared"), probe("redis"), probe("redis1"), probe("dns"),
  probe("dnsslow"), probe("tables"),
}

return P
