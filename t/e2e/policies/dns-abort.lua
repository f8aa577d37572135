-- dns-abort.lua: a lookup started at connect (the connection's) and one
-- started at the first MAIL (the message's), both in a zone that never
-- answers; at the next MAIL each is collected and logged as
-- "dns-abort: connect: ANSWER (S s)" and "dns-abort: message: ...".
local milter = require "milter"
local dns = require "milter.dns"

local P = milter.Base:extend()

function P:connect()
  self.at_connect = dns.start("c.slow.test", "A")
end

-- collect: wait for h and log the outcome and how long it took
function P:collect(what, h)
  local t0 = os.time()
  local r, err = h:wait()
  self:log("dns-abort: " .. what .. ": " .. (r and "answered" or err)
    .. " (" .. (os.time() - t0) .. " s)")
end

function P:envfrom()
  if self.at_mail then
    self:collect("message", self.at_mail)
    self:collect("connect", self.at_connect)
  else
    self.at_mail = dns.start("m.slow.test", "A")
  end
  return milter.CONTINUE
end

return P
