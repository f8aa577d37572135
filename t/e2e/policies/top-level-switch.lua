-- top-level-switch.lua: its top level fails while a file "fail-top" sits
-- next to the script (needs lua_allow = io), so a connection state can fail
-- to start after the script was loaded and checked.
local milter = require "milter"
local script_path = ...
local flag = io.open(script_path:gsub("[^/]*$", "") .. "fail-top")
if flag then
  flag:close()
  error("the top level is down")
end
local P = milter.Base:extend()
function P:connect() end
function P:eom() self:addheader("X-Up", "yes") end
return P
