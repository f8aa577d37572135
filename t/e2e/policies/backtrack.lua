-- backtrack.lua: envfrom spends a few seconds inside one string.find
-- (exponential backtracking), then would accept.
local milter = require "milter"
local P = milter.Base:extend()
function P:connect() end
function P:envfrom()
  local s = ("a"):rep(15)
  s:find(("a*"):rep(15) .. "b")
  return milter.ACCEPT
end
return P
