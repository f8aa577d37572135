-- realistic.lua: the benchmark's realistic policy (case d): reads
-- {client_addr} and the queue id, checks From and Subject against a small
-- table, counts body bytes, adds one header at eom.
local milter = require "milter"
local P = milter.Base:extend()
P.noreply = { "connect", "header", "body" }

local blocked_from = { ["spammer@example.net"] = true, ["bad@example.org"] = true }
local blocked_subject = { "viagra", "lottery", "winner" }

function P:connect(host, family, addr)
  self.client = self:getsymval("{client_addr}") or (type(addr) == "table" and addr.ip)
end
function P:envfrom() self.bytes, self.flag = 0, nil end
function P:envrcpt() end
function P:header(name, value)
  local n = name:lower()
  if n == "from" then
    local a = value:match("<([^>]+)>") or value
    if blocked_from[a:lower()] then self.flag = "from" end
  elseif n == "subject" then
    local s = value:lower()
    for _, w in ipairs(blocked_subject) do
      if s:find(w, 1, true) then self.flag = "subject" end
    end
  end
end
function P:body(chunk) self.bytes = self.bytes + #chunk end
function P:eom()
  local qid = self:getsymval("i") or "?"
  self:addheader("X-Scanned", qid .. " " .. tostring(self.client) .. " "
    .. self.bytes .. (self.flag and (" " .. self.flag) or ""))
  return milter.CONTINUE
end
return P
