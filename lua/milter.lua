--- milter: the luamilter policy library.
--
-- Gives the status constants a callback returns, the negotiation flag
-- constants, and two base classes in the shape of pymilter's Milter.Base
-- and Milter.Milter.  A policy script returns a class (a table); the daemon
-- makes one object per connection whose lookups go to the class (and what
-- it inherits) first, then to the built-in actions (self:addheader, ...).

local M = {}

-- what the C core gives this library when the daemon loads it; elsewhere
-- (busted) the same functions come from milter.core
local native = select(2, ...)
if type(native) ~= "table" then
  local ok, core = pcall(require, "milter.core")
  native = ok and core or {}
end

-- callback results (libmilter's SMFIS_* values)
M.CONTINUE = 0
M.REJECT = 1
M.DISCARD = 2
M.ACCEPT = 3
M.TEMPFAIL = 4
M.NOREPLY = 7
M.SKIP = 8
M.ALL_OPTS = 10          -- negotiate only: let libmilter decide

-- the negotiation flag constants (ADDHDRS, P_NOBODY, M_CONNECT, ...) live in
-- milter.flags and are loaded on first use, keeping connection states small
setmetatable(M, {
  __index = function(t, k)
    local v = require("milter.flags")[k]
    if v ~= nil then rawset(t, k, v) end
    return v
  end,
})

--- now() -> the current Unix time in seconds, with fractions: the clock
-- of the state's test run (which t:advance moves) or the wall clock;
-- without the C core, whole seconds
M.now = native.now or os.time

--- Base: the silent base class.  It defines no callback, so a class built
-- on it asks the MTA only for the stages it defines.
local Base = {}
M.Base = Base

--- Policy:protocol_mask(): the SMFIP_* protocol bits luamilter clears from
-- the MTA's offer for this class (pymilter's protocol_mask()): all but the
-- SMFIP_NO* of the callbacks the class lacks, the SMFIP_NR_* of those it
-- declares noreply (and of connect when it lacks it), P_SKIP, and
-- P_HDR_LEADSPC / P_RCPT_REJ when declared.  The negotiated word is the
-- offer with these bits cleared; a class may define its own.
Base.protocol_mask = native.protocol_mask

--- Make a subclass: local P = milter.Base:extend() (or milter.Milter:extend()).
-- Fields of t (if given) become the subclass's own.
function Base:extend(t)
  t = t or {}
  return setmetatable(t, { __index = self })
end

-- format_addr: a connect() hostaddr as text
local function format_addr(family, hostaddr)
  if type(hostaddr) == "table" then
    if family == "inet6" then
      return "[" .. tostring(hostaddr[1]) .. "]:" .. tostring(hostaddr[2])
    end
    return tostring(hostaddr[1]) .. ":" .. tostring(hostaddr[2])
  end
  return tostring(hostaddr)
end

--- Milter: logs every callback with its arguments and lets mail through,
-- like pymilter's Milter.Milter.  The logging callbacks are declared
-- noreply, so the MTA does not wait for them.
local Milter = Base:extend()
M.Milter = Milter

Milter.noreply = {
  "connect", "hello", "envfrom", "envrcpt", "data", "header", "eoh",
  "body", "unknown",
}

function Milter:connect(hostname, family, hostaddr)
  self:log("connect from", hostname, family, format_addr(family, hostaddr))
  return M.CONTINUE
end

function Milter:hello(heloname)
  self:log("hello", heloname)
  return M.CONTINUE
end

function Milter:envfrom(from, ...)
  self:log("mail from", from, ...)
  return M.CONTINUE
end

function Milter:envrcpt(to, ...)
  self:log("rcpt to", to, ...)
  return M.CONTINUE
end

function Milter:data()
  self:log("data")
  return M.CONTINUE
end

function Milter:header(name, value)
  self:log("header", name .. ":", value)
  return M.CONTINUE
end

function Milter:eoh()
  self:log("eoh")
  return M.CONTINUE
end

function Milter:body(chunk)
  self:log("body", #chunk, "bytes")
  return M.CONTINUE
end

function Milter:eom()
  self:log("eom")
  return M.CONTINUE
end

function Milter:abort()
  self:log("abort")
  return M.CONTINUE
end

function Milter:close()
  self:log("close")
  return M.CONTINUE
end

function Milter:unknown(command)
  self:log("unknown command", command)
  return M.CONTINUE
end

return M
