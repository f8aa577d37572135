-- dns-query.lua: at MAIL, looks up what the "{dns_query}" macro names
-- (NAME/TYPE, default a.zone.test/A) as many times as "{dns_times}" says,
-- and logs each result as "dns-query: N: ANSWER" or "dns-query: N: nil ERR";
-- "{dns_spin}" seconds (wall clock) of busy work first use up part of the
-- callback's budget.
local milter = require "milter"
local dns = require "milter.dns"

local P = milter.Base:extend()
P.symlist = { envfrom = { "{dns_query}", "{dns_times}", "{dns_spin}" } }

function P:envfrom()
  local what = self:getsymval("{dns_query}") or "a.zone.test/A"
  local name, qtype = what:match("^(.*)/(%u+)$")
  local spin = tonumber(self:getsymval("{dns_spin}") or "0")
  local t0 = milter.now()                   -- wall clock: the budget's
  while milter.now() - t0 < spin do end
  for i = 1, tonumber(self:getsymval("{dns_times}") or "1") do
    local r, err = dns.query(name, qtype)
    self:log("dns-query: " .. i .. ": " .. (r and tostring(r[1]) or ("nil " .. err)))
  end
  return milter.CONTINUE
end

return P
