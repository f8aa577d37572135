-- connect-echo.lua: reports what connect() received in headers at eom.
local milter = require "milter"
local P = milter.Base:extend()

function P:connect(hostname, family, hostaddr)
  self.seen = string.format("%s|%s|%s", hostname, family,
    type(hostaddr) == "table" and (hostaddr[1] .. "|" .. hostaddr[2]
      .. "|" .. hostaddr.ip .. "|" .. hostaddr.port)
    or tostring(hostaddr))
end

function P:eom()
  self:addheader("X-Connect", self.seen or "none")
end

return P
