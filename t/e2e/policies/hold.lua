-- hold.lua: a connection whose HELO name is holdN keeps N MiB in its Lua
-- state from envfrom on (built in 64 KiB pieces, garbage collected, so
-- that what it holds is about N MiB and no more).
local milter = require "milter"
local P = milter.Base:extend()

function P:connect() end
function P:envrcpt() end
function P:header() end
function P:eoh() end
function P:body() end
function P:eom() end

function P:hello(name) self.mib = tonumber(name:match("^hold(%d+)$")) end

function P:envfrom()
  if self.mib then
    local piece = string.rep("x", 65536 - 8)
    self.held = {}
    for i = 1, self.mib * 16 do self.held[i] = piece .. string.format("%08d", i) end
    collectgarbage()
  end
  return milter.CONTINUE
end

return P
