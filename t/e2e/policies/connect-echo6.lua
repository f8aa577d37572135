-- connect-echo6.lua: reports connect()'s hostaddr, every field of it by
-- index and by name, in a header at eom.
local milter = require "milter"
local P = milter.Base:extend()

function P:connect(hostname, family, a)
  self.seen = string.format("%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", hostname,
    family, a[1], a[2], a[3], a[4], a.ip, a.port, a.flowinfo, a.scope_id,
    math.type(a[3]) .. "," .. math.type(a[4]))
end

function P:eom()
  self:addheader("X-Connect", self.seen or "none")
end

return P
