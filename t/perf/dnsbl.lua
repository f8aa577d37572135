-- dnsbl.lua for the benchmark (i): lua/examples/dnsbl.lua asking three
-- lists of the test DNS server (t/dns/unbound.conf.in), which do not list
-- the benchmark client (192.0.2.1): their negative answers are cached.
return require("examples.dnsbl"):extend({
  zones = { "dnsbl.test", "second.test", "third.test" },
  tests = {},
})
