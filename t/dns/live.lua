-- t/dns/live.lua - milter.dns against the test server (t/dns/zones in
-- unbound.conf.in), run by t/dns/run through dns_harness in live mode
-- with dns_timeout = 1 and dns_max_queries = 40.
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local tap = require "tap"
local ok, is = tap.ok, tap.is
local dns = require "milter.dns"

-- err_of(...): the error word of a call's results
local function err_of(...) return (select(2, ...)) end

-- sorted(t): the records of t sorted, without the TTL (the cache counts
-- it down), fields other than ttl kept
local function sorted(t)
  if type(t) ~= "table" then return t end
  local out = {}
  for k, v in pairs(t) do if k ~= "ttl" then out[k] = v end end
  table.sort(out, function(x, y) return tostring(x) < tostring(y) end)
  return out
end

-- a record of each type
local a = dns.query("a.zone.test", "A")
is(a, { "192.0.2.1", ttl = 300 }, "A: an address string, with its TTL")
is(dns.query("A.Zone.Test.", "a"), { "192.0.2.1", ttl = 300 },
  "names and types in any case, with or without the trailing dot")
is(dns.query("a.zone.test", "AAAA"), { "2001:db8::1", ttl = 300 }, "AAAA")
local two = dns.query("two.zone.test", "A")
table.sort(two)
is(two, { "192.0.2.2", "192.0.2.3", ttl = 60 }, "ttl is the smallest of the records")
is(dns.query("zone.test", "MX"), {
  { preference = 10, exchange = "mx1.zone.test" },
  { preference = 20, exchange = "mx2.zone.test" }, ttl = 300 },
  "MX: {preference, exchange}, sorted by preference")
is(dns.query("txt.zone.test", "TXT"), { "v=spf1 -all", ttl = 300 },
  "TXT: the strings of one record joined")
local big = dns.query("big.zone.test", "TXT")
ok(big and #big == 1 and #big[1] == 8 * 230 and big[1]:match("^x+$"),
  "a TXT record too long for UDP comes over TCP", tap.show(big))
is(dns.query("alias.zone.test", "CNAME"), { "a.zone.test", ttl = 300 },
  "CNAME: the name without its trailing dot")
is(dns.query("alias.zone.test", "A"), { "192.0.2.1", ttl = 300 },
  "A through a CNAME")
is(dns.query("zone.test", "NS"), { "ns.zone.test", ttl = 3600 }, "NS")
is(dns.query("zone.test", "SOA"), { {
  mname = "ns.zone.test", rname = "hostmaster.zone.test", serial = 2024010101,
  refresh = 7200, retry = 900, expire = 1209600, minimum = 300 }, ttl = 3600 },
  "SOA: a table of its fields")
is(sorted(dns.query("1.2.0.192.in-addr.arpa", "PTR")), { "a.zone.test", "liar.zone.test" },
  "PTR")

-- negative answers
local nx = dns.query("nothing.zone.test", "A")
ok(nx and #nx == 0 and nx.nxdomain == true, "NXDOMAIN: an empty table with nxdomain = true",
  tap.show(nx))
local nd = dns.query("nodata.zone.test", "TXT")
ok(nd and #nd == 0 and nd.nxdomain == nil and nd.ttl, "NODATA: an empty table", tap.show(nd))
local r, err, detail = dns.query("x.refused.test", "A")
ok(r == nil and err == "servfail" and type(detail) == "string",
  "a refusal through the forwarder comes as servfail", tap.show({ r, err, detail }))

-- libunbound's built-in local zones are gone: the server answers them
is(dns.query("1.0.0.127.in-addr.arpa", "PTR"), { "mail.zone.test", ttl = 300 },
  "127.in-addr.arpa is asked of the server, not answered by libunbound")
is(dns.ptr("2001:db8::1"), { "a.zone.test", ttl = 300 },
  "8.b.d.0.1.0.0.2.ip6.arpa too (ptr builds the nibble name)")

-- ptr
is(sorted(dns.ptr("192.0.2.1")), { "a.zone.test", "liar.zone.test" }, "ptr of IPv4")
is(sorted(dns.ptr("::ffff:192.0.2.1")), { "a.zone.test", "liar.zone.test" },
  "ptr of IPv4-mapped IPv6 asks the IPv4 name")
is({ dns.ptr("192.0.2.300") }, { nil, "badname", "'192.0.2.300' is not an IPv4 or IPv6 address" },
  "ptr of a bad address: badname")

-- fcrdns
is(dns.fcrdns("192.0.2.1"), "a.zone.test", "fcrdns: the first PTR name whose A holds the ip")
is(dns.fcrdns("2001:db8::1"), "a.zone.test", "fcrdns of IPv6 (AAAA)")
is(dns.fcrdns("192.0.2.99"), "liar.zone.test", "fcrdns: a single name that matches")
is(dns.fcrdns("192.0.2.98"), false, "fcrdns: false when no name points back")
is(dns.fcrdns("192.0.2.200"), false, "fcrdns: false without a PTR")
is(dns.fcrdns("127.0.0.1"), "mail.zone.test", "fcrdns of 127.0.0.1")

-- DNS lists
local hit = dns.dnsbl("127.0.0.2", "dnsbl.test")
is(hit, { "127.0.0.2", ttl = 300, txt = "listed, see http://dnsbl.test/?127.0.0.2" },
  "dnsbl: a listed IPv4 client: its answers and the zone's TXT")
is(sorted(dns.dnsbl("2001:db8::2", "dnsbl.test")), { "127.0.0.2", txt = "v6 listed" },
  "dnsbl: a listed IPv6 client (nibbles)")
is(dns.dnsbl("127.0.0.1", "dnsbl.test"), false, "dnsbl: not listed: false")
is({ dns.dnsbl("127.0.0.3", "dnsbl.test") }, { nil, "blocked",
  "3.0.0.127.dnsbl.test answered 127.255.255.254: the list refuses queries from this resolver" },
  "dnsbl: 127.255.255.254 is an error, never a hit")
local b, berr = dns.dnsbl("127.0.0.4", "dnsbl.test")
is({ b, berr }, { nil, "bogus answer" }, "dnsbl: an answer outside 127/8 is an error")
is(err_of(dns.dnsbl("nonsense", "dnsbl.test")), "badname", "dnsbl: a bad address: badname")
is(sorted(dns.rhsbl("bad.example", "rhsbl.test")), { "127.0.0.2", txt = "bad.example is a bad domain" },
  "rhsbl: a listed domain")
is(dns.rhsbl("good.example.", "rhsbl.test"), false, "rhsbl: an unlisted one")
local hits, errors = dns.dnsbl_any("127.0.0.2", { "dnsbl.test", "second.test", "third.test", "slow.test" })
ok(hits["dnsbl.test"] and hits["dnsbl.test"].txt and hits["second.test"]
  and #hits["second.test"] == 2 and hits["third.test"] == nil,
  "dnsbl_any: the hits by zone", tap.show(hits))
is(errors, { ["slow.test"] = "timeout" }, "dnsbl_any: the errors by zone")

-- start and wait
local t0 = now()
local h1 = dns.start("a.zone.test", "A")
local h2 = dns.start("x1.slow.test", "A")
local h3 = dns.start("zone.test", "MX")
ok(now() - t0 < 0.5, "start returns at once")
local w1 = h1:wait()
is(sorted(w1), { "192.0.2.1" }, "wait gives what query would")
is(h3:wait()[1].exchange, "mx1.zone.test", "handles are waited in any order")
ok(h1:wait() == w1, "a second wait gives the same")
t0 = now()
local r2, e2 = h2:wait()
local took = now() - t0
ok(r2 == nil and e2 == "timeout" and took > 0.8 and took < 2.5,
  "a server that never answers: timeout within dns_timeout (1 s)", tap.show({ r2, e2, took }))

-- queries: all at once, one deadline
t0 = now()
local res = dns.queries({ { "a.zone.test", "A" }, { "y1.slow.test", "A" },
  { "y2.slow.test", "TXT" }, { "zone.test", "NS" }, { "bad..name", "A" } })
took = now() - t0
ok(took > 0.8 and took < 2.5, "queries: two dead lookups still end within dns_timeout", took)
is(sorted(res[1]), { "192.0.2.1" }, "queries: results in order")
is({ res[2][1], res[2][2], res[2].err }, { nil, "timeout", "timeout" }, "queries: {nil, err} for a failure")
is(res[3].err, "timeout", "queries: the other dead one")
is(sorted(res[4]), { "ns.zone.test" }, "queries: the last one")
is(res[5].err, "badname", "queries: a bad name")

-- the callback's budget bounds every wait
set_budget(0.6)
t0 = now()
r, err = dns.query("z1.slow.test", "A")
took = now() - t0
ok(r == nil and err == "timeout" and took < 0.6 and took > 0.3,
  "a wait ends before the callback's budget does", tap.show({ err, took }))
set_budget(0.05)
t0 = now()
r, err = dns.query("a.zone.test", "A")
ok(r == nil and err == "budget" and now() - t0 < 0.05,
  "with nothing left of the budget: budget, without sending", tap.show({ err }))
local h4 = dns.start("a.zone.test", "A")
set_budget(5)
ok(h4:wait()[1] == "192.0.2.1", "start sends even when the budget is low; wait collects")
set_budget(-1)

-- bad input
is(err_of(dns.query(("a"):rep(64) .. ".zone.test", "A")), "badname", "a label over 63 bytes: badname")
is(err_of(dns.query(("a."):rep(127) .. "zz", "A")), "badname", "a name over 253 bytes: badname")
is(err_of(dns.query("", "A")), "badname", "an empty name: badname")
is(err_of(dns.query("a\0b.zone.test", "A")), "badname", "a NUL in a name: badname")
ok(not pcall(dns.query, 42, "A"), "a number for a name raises")
ok(not pcall(dns.query, "a.zone.test", "SPF"), "an unknown type raises")
ok(not pcall(dns.query, "a.zone.test"), "a missing type raises")
ok(not pcall(dns.queries, "a.zone.test"), "queries of a string raises")
ok(not pcall(dns.dnsbl_any, "127.0.0.2", { 1 }), "a zone that is not a string raises")
local ok2, msg = pcall(dns.query, "a.zone.test", "SPF")
ok(tostring(msg):find("unknown record type 'SPF'", 1, true), "the error names the type", msg)

-- abort cancels what is still running
local h5 = dns.start("w1.slow.test", "A")
cancel_pending()
t0 = now()
local r5, e5 = h5:wait()
ok(r5 == nil and e5 == "cancelled" and now() - t0 < 0.2, "cancelled at abort: wait says so at once",
  tap.show({ r5, e5 }))

-- a closed state cancels its lookups; nothing hangs
local out = with_state([[
  local dns = ...
  dns.start("v1.slow.test", "A"); dns.start("v2.slow.test", "A")
  local h = dns.start("a.zone.test", "A")
  return h:wait()[1] ]])
is(out, "192.0.2.1", "a state closed with lookups still running")

-- dns_max_queries (40 here): past it, limit
local sent = 0
local last
for i = 1, 60 do
  local rr, e = dns.query("a.zone.test", "A")
  if e == "limit" then last = i break end
end
ok(last ~= nil, "past dns_max_queries: nil, limit", last)
local lim = dns.queries({ { "a.zone.test", "A" } })
is(lim[1].err, "limit", "queries too")
is(err_of(dns.fcrdns("192.0.2.1")), "limit", "and fcrdns")

return tap.done()
