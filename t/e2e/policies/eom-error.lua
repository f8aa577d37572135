-- eom-error.lua: every message fails at eom.
local milter = require "milter"
local P = milter.Base:extend()
function P:connect() end
function P:envfrom() end
function P:envrcpt() end
function P:eom() error("this version is broken at eom") end
return P
