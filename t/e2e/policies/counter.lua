-- counter.lua: numbers messages per connection; counts aborts.
local milter = require "milter"
local P = milter.Base:extend()
function P:connect() self.messages, self.aborts = 0, 0 end
function P:envfrom() self.messages = self.messages + 1 end
function P:abort() self.aborts = self.aborts + 1 end
function P:envrcpt() end
function P:eom()
  self:addheader("X-Count", self.messages .. "/" .. self.aborts)
end
function P:close() self:log("close after", self.messages, "messages,", self.aborts, "aborts") end
return P
