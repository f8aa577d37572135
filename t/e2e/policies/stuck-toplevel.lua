-- stuck-toplevel.lua: a script whose top level never gets out of one
-- string.find (exponential backtracking, far longer than any test waits):
-- checking it for a reload cannot finish.
local milter = require "milter"
local s = ("a"):rep(30)
s:find(("a*"):rep(30) .. "b")
local P = milter.Base:extend()
function P:eom() self:addheader("X-Policy", "stuck") end
return P
