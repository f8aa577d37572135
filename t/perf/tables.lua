-- tables.lua: the benchmark's case (h): per message, the client's address
-- in a cidr table and the envelope sender in a texthash table, access(5)
-- style (user@domain, the domain and its parents, user@), decided at eom.
-- Like the floor (b) it asks for every stage, without a reply, so the MTA
-- sends the same traffic.  scripts/bench makes the tables (10 000 cidr
-- rules, 100 000 texthash keys; the benchmark's client and sender are in
-- neither, so every lookup goes the whole way).
local milter = require "milter"
local tables = require "milter.tables"

local P = milter.Base:extend()
P.noreply = { "connect", "hello", "envfrom", "envrcpt", "data", "header",
  "eoh", "body" }

function P:connect(host, family, addr)
  self.ip = type(addr) == "table" and addr.ip or "127.0.0.1"
end

function P:envfrom(from)
  self.verdict = tables.bench_client:lookup(self.ip)
    or tables.bench_sender:lookup_address(from)
end

function P:hello() end
function P:envrcpt() end
function P:data() end
function P:header() end
function P:eoh() end
function P:body() end

function P:eom()
  if self.verdict == "REJECT" then return milter.REJECT end
  return milter.ACCEPT
end

return P
