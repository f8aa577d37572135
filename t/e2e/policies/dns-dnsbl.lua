-- dns-dnsbl.lua: lua/examples/dnsbl.lua against the test server's lists
-- (t/dns/unbound.conf.in), loopback clients checked too.
local P = require("examples.dnsbl"):extend({
  zones = { "dnsbl.test", "second.test", "slow.test" },
  skip = {},
  tests = {},
})
return P
