-- tables-version.lua: at MAIL, looks up "first" and "last" in tables.v, a
-- texthash table whose lines all carry one version word (the first line and
-- the last of the file).  Both equal to the "{want}" macro: REJECT (the
-- version the scenario wrote is in use); equal to each other: CONTINUE (an
-- older version, whole); anything else (the table seen half written, a
-- key missing): TEMPFAIL.  Each answer is logged as "tables-version: A B".
local milter = require "milter"
local tables = require "milter.tables"

local P = milter.Base:extend()
P.symlist = { envfrom = { "{want}" } }

function P:envfrom()
  local a, b = tables.v:lookup("first"), tables.v:lookup("last")
  self:log("tables-version: " .. tostring(a) .. " " .. tostring(b))
  if a == nil or a ~= b then return milter.TEMPFAIL end
  if a == self:getsymval("{want}") then return milter.REJECT end
  return milter.CONTINUE
end

return P
