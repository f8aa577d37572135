-- t/dns/replay.lua - the policy t/dns/run replays: at MAIL, one lookup of
-- a.zone.test/A, logged as "replay-dns: ANSWER" or "replay-dns: nil ERR".
local milter = require "milter"
local dns = require "milter.dns"

local P = milter.Base:extend()

function P:envfrom()
  local r, err = dns.query("a.zone.test", "A")
  self:log("replay-dns: " .. (r and tostring(r[1]) or ("nil " .. err)))
end

return P
