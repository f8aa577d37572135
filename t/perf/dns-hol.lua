-- dns-hol.lua for the benchmark (k): at MAIL, the PTR of the client's
-- address.  192.0.2.1 has one (cached after the first); 192.0.2.77 is in a
-- zone of the test server that never answers, so its sessions wait
-- dns_timeout, holding a libmilter worker.
local milter = require "milter"
local dns = require "milter.dns"

local P = milter.Base:extend()

function P:connect(hostname, family, hostaddr)
  self.ip = hostaddr and hostaddr.ip
end

function P:envfrom()
  if self.ip then dns.ptr(self.ip) end
  return milter.CONTINUE
end

function P:eom()
  return milter.ACCEPT
end

return P
