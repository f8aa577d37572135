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
  elseif m == "caught-loop" then      -- catch the overrun, then accept
    pcall(function() while true do end end)
    return milter.ACCEPT
  elseif m == "wrap-loop" then        -- the same, through a coroutine
    pcall(coroutine.wrap(function() while true do end end))
    return milter.ACCEPT
  elseif m == "xpcall-loop" then      -- a handler that loops (hooks off)
    xpcall(function() while true do end end, function() while true do end end)
    return milter.ACCEPT
  elseif m == "close-loop" then       -- a __close that loops as it dies
    pcall(coroutine.wrap(function()
      local guard <close> = setmetatable({}, {__close = function() while true do end end})
      while true do end
    end))
    return milter.ACCEPT
  elseif m == "gc-loop" then          -- a finalizer no hook could stop
    self.trap = setmetatable({}, {__gc = function() while true do end end})
    return milter.ACCEPT
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
