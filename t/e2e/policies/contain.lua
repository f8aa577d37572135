-- contain.lua: misbehaves on demand, chosen by the HELO name.
local milter = require "milter"
local P = milter.Base:extend()

function P:connect() end
function P:hello(name) self.mode = name end
function P:envrcpt() end
function P:header() end
function P:eoh() end
function P:body() end

function P:envfrom(from)
  local m = self.mode
  if m == "loop" then
    while true do end
  elseif m == "pcall-loop" then
    while true do pcall(function() while true do end end) end
  elseif m == "memory" then
    local t = {}
    for i = 1, 1e9 do t[i] = string.rep("x", 64) .. i end
  elseif m == "io" then
    return io.open("/etc/passwd") and milter.ACCEPT
  elseif m == "error" then
    error("deliberate failure")
  elseif m == "slow-eom" then
    self.slow = true
  end
end

function P:eom()
  if self.slow then
    local t0 = os.clock()
    while os.clock() - t0 < 1.0 do end   -- one second of work
  end
  self:addheader("X-Contained", self.mode or "none")
end

return P
