-- tables-big.lua: at connect, the client's name in tables.names (a big
-- texthash) and its address in tables.nets (a big cidr table), logged as
-- "tables-big: NAME-RESULT NET-RESULT".
local milter = require "milter"
local tables = require "milter.tables"

local P = milter.Base:extend()

function P:connect(hostname, family, hostaddr)
  self:log("tables-big: " .. tostring(tables.names:lookup(hostname)) .. " "
    .. tostring(tables.nets:lookup(hostaddr.ip)))
end

return P
