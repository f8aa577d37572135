-- t/dns/stubs.lua - milter.dns in a state of an in-policy test: answers
-- come from the stubs in the registry (luamilter.stub.dns), the network is
-- never used (the config names a server that does not exist).  Run by
-- t/dns/run through dns_harness in test mode.
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local tap = require "tap"
local ok, is = tap.ok, tap.is
local dns = require "milter.dns"

local function err_of(...) return (select(2, ...)) end

-- nothing stubbed: unrecorded, at once
local t0 = now()
local r, err, detail = dns.query("a.example.org", "A")
ok(r == nil and err == "unrecorded" and detail:find("a.example.org/A", 1, true)
  and now() - t0 < 0.1, "no stubs: unrecorded, and nothing is sent", tap.show({ r, err, detail }))

local ptr50 = {}
for i = 1, 12 do ptr50[i] = "p" .. i .. ".example.org" end
local stubs = {
  ["a.example.org/A"] = { "192.0.2.1", "192.0.2.2", ttl = 60 },
  ["example.org/MX"] = { { preference = 20, exchange = "mx2.example.org" },
                         { preference = 10, exchange = "mx1.example.org" } },
  ["slow.example.org/A"] = "timeout",
  ["gone.example.org/A"] = "nxdomain",
  ["empty.example.org/TXT"] = {},
  ["2.0.0.127.zen.example.org/A"] = { "127.0.0.2" },
  ["2.0.0.127.zen.example.org/TXT"] = { "listed at zen" },
  ["3.0.0.127.zen.example.org/A"] = { "127.255.255.254" },
  ["2.0.0.127.other.example.org/A"] = "servfail",
  ["1.2.0.192.in-addr.arpa/PTR"] = { "liar.example.org", "mail.example.org" },
  ["liar.example.org/A"] = { "192.0.2.99" },
  ["mail.example.org/A"] = { "192.0.2.1" },
  ["50.2.0.192.in-addr.arpa/PTR"] = ptr50,
  ["p12.example.org/A"] = { "192.0.2.50" },
  ["bad.example.rhs.example.org/A"] = { "127.0.0.2" },
  ["weird.example.org/A"] = 42,
}
for i = 1, 11 do stubs["p" .. i .. ".example.org/A"] = { "192.0.2.51" } end
set_stubs(stubs)
is(dns.query("a.example.org", "A"), { "192.0.2.1", "192.0.2.2", ttl = 60 }, "a stubbed list")
is(dns.query("A.Example.Org.", "A"), { "192.0.2.1", "192.0.2.2", ttl = 60 },
  "stub keys are looked up in lower case without the trailing dot")
is(dns.query("example.org", "MX"), {
  { preference = 10, exchange = "mx1.example.org" },
  { preference = 20, exchange = "mx2.example.org" }, ttl = 300 },
  "stubbed MX sorted by preference, ttl 300 by default")
is({ dns.query("slow.example.org", "A") }, { nil, "timeout", "stubbed timeout for slow.example.org/A" },
  "a stubbed error word")
is(dns.query("gone.example.org", "A"), { nxdomain = true, ttl = 300 }, "a stubbed NXDOMAIN")
is(dns.query("empty.example.org", "TXT"), { ttl = 300 }, "{} is NODATA")
is(err_of(dns.query("a.example.org", "AAAA")), "unrecorded", "another type is not stubbed")
ok(not pcall(dns.query, "weird.example.org", "A"), "a stub of the wrong shape raises")
local h = dns.start("a.example.org", "A")
is(h:wait(), { "192.0.2.1", "192.0.2.2", ttl = 60 }, "start and wait from stubs")
local res = dns.queries({ { "a.example.org", "A" }, { "slow.example.org", "A" } })
is({ res[1][1], res[2].err }, { "192.0.2.1", "timeout" }, "queries from stubs")
is(dns.dnsbl("127.0.0.2", "zen.example.org"), { "127.0.0.2", ttl = 300, txt = "listed at zen" },
  "dnsbl from stubs, with its TXT")
is(dns.dnsbl("127.0.0.1", "zen.example.org"), nil, "dnsbl: unrecorded is no listing")
is(err_of(dns.dnsbl("127.0.0.1", "zen.example.org")), "unrecorded", "... but an error")
is(err_of(dns.dnsbl("127.0.0.3", "zen.example.org")), "blocked", "dnsbl: 127.255.255.254 is blocked")
local hits, errors = dns.dnsbl_any("::ffff:127.0.0.2", { "zen.example.org", "other.example.org" })
is({ hits["zen.example.org"][1], errors["other.example.org"] }, { "127.0.0.2", "servfail" },
  "dnsbl_any from stubs (IPv4-mapped IPv6 as IPv4)")
is(dns.rhsbl("bad.example", "rhs.example.org"), { "127.0.0.2", ttl = 300 }, "rhsbl from stubs")
is(dns.fcrdns("192.0.2.1"), "mail.example.org", "fcrdns from stubs")
is(dns.fcrdns("192.0.2.50"), false, "fcrdns tries 10 of 12 PTR names (the 12th would match)")
is(err_of(dns.fcrdns("192.0.2.7")), "unrecorded", "fcrdns without a PTR stub: unrecorded")

-- the budget does not apply to stubs, the limit does (64 by default)
local n = 0
repeat
  n = n + 1
  local _, e = dns.query("a.example.org", "A")
until e == "limit" or n > 100
ok(n <= 64, "dns_max_queries counts stubbed lookups too", n)

-- a state of its own gets its own stubs and counts
is(with_state([[ local dns = ...; return select(2, dns.query("a.example.org", "A")) ]]),
  "unrecorded", "each state has its own stubs")
return tap.done()
