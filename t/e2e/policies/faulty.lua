-- faulty.lua: fails on demand, chosen by the recipient or a header.
local milter = require "milter"
local P = milter.Base:extend()
P.noreply = { "header" }
function P:connect() end
function P:envfrom() self.n = (self.n or 0) + 1 end
function P:envrcpt(to)
  if to == "<boom@x>" then error("boom in envrcpt") end
  if to == "<badret@x>" then return 42 end
  if to == "<tableret@x>" then return {} end
end
function P:header(name, value)
  if name == "X-Fail" then error("failed in a noreply header") end
end
function P:eom()
  if self.fail_eom then error("eom failure") end
  local ok, err = pcall(self.addheader, self, "Bad:Name", "v")
  self:addheader("X-Misuse", ok and "no error" or err)
  ok, err = pcall(self.setreply, self, "550", "5.7.1", "two\r\nlines")
  self:addheader("X-Misuse-Reply", ok and "no error" or err)
  self:addheader("X-Message", tostring(self.n))
end
return P
