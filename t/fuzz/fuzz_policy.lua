-- fuzz_policy.lua: defines every callback; from the argument bytes it calls
-- every action (inside pcall) and returns verdicts, invalid ones included.
local milter = require "milter"
local P = milter.Base:extend()
P.noreply = { "header" }

local verdicts = { nil, "continue", "reject", "tempfail", "discard", "accept",
  "skip", 42, {}, "bogus", milter.NOREPLY }

local function pick(s)
  local b = s and #s > 0 and s:byte(1) or 0
  return verdicts[b % #verdicts + 1]
end

local function try(self, s)
  s = s or ""
  pcall(self.addheader, self, s:sub(1, 20), s)
  pcall(self.addheader, self, "X-Fuzz", s, #s % 3)
  pcall(self.chgheader, self, "Subject", #s % 4, s)
  pcall(self.setreply, self, s:sub(1, 3), s:sub(4, 8), s, s)
  pcall(self.addrcpt, self, s, s:sub(1, 5))
  pcall(self.delrcpt, self, s)
  pcall(self.replacebody, self, s)
  pcall(self.chgfrom, self, s, s)
  pcall(self.quarantine, self, s)
  pcall(self.progress, self)
  pcall(self.getsymval, self, s)
  pcall(self.log, self, s)
  if s:find("\255\255", 1, true) then error("fuzz error") end
  if s:find("\254\254", 1, true) then return end
end

function P:connect(h, f, a) try(self, h) return pick(h) end
function P:hello(h) try(self, h) return pick(h) end
function P:envfrom(f, ...) try(self, f) return pick(f) end
function P:envrcpt(t, ...) try(self, t) return pick(t) end
function P:data() return nil end
function P:header(n, v) try(self, v) return pick(v) end
function P:eoh() return nil end
function P:body(c) try(self, c:sub(1, 64)) return pick(c) end
function P:eom() try(self, "eom") self:addheader("X-Done", "1") return milter.CONTINUE end
function P:abort() try(self, "abort") end
function P:unknown(c) try(self, c) return pick(c) end
function P:close() end
return P
