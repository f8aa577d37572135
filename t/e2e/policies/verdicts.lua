-- verdicts.lua: returns the verdict named by the HELO name ("reject-at-
-- envrcpt") at that stage; continue elsewhere.
local milter = require "milter"
local P = milter.Base:extend()
local map = { reject = milter.REJECT, tempfail = milter.TEMPFAIL,
  discard = milter.DISCARD, accept = milter.ACCEPT }
local function decide(self, stage, name)
  local spec = self.spec or name or ""
  local v, at = spec:match("^(%a+)%-at%-(%a+)$")
  if at == stage then return map[v] end
  return milter.CONTINUE
end
function P:connect(host) self.spec = host; return decide(self, "connect") end
function P:hello(name) self.spec = self.spec ~= "client" and self.spec or name; return decide(self, "helo") end
function P:envfrom() return decide(self, "envfrom") end
function P:envrcpt() return decide(self, "envrcpt") end
function P:data() return decide(self, "data") end
function P:header() return decide(self, "header") end
function P:eoh() return decide(self, "eoh") end
function P:body() return decide(self, "body") end
function P:eom() return decide(self, "eom") end
function P:unknown() return decide(self, "unknown") end
return P
