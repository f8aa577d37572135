--- milter: the luamilter policy library.
--
-- Gives the status constants a callback returns, the negotiation flag
-- constants, and two base classes in the shape of pymilter's Milter.Base
-- and Milter.Milter.  A policy script returns a class (a table); the daemon
-- makes one object per connection whose lookups go to the class (and what
-- it inherits) first, then to the built-in actions (self:addheader, ...).

local M = {}

-- callback results (libmilter's SMFIS_* values)
M.CONTINUE = 0
M.REJECT = 1
M.DISCARD = 2
M.ACCEPT = 3
M.TEMPFAIL = 4
M.NOREPLY = 7
M.SKIP = 8
M.ALL_OPTS = 10          -- negotiate only: let libmilter decide

-- actions offered/requested in negotiate (SMFIF_*)
M.ADDHDRS = 0x01
M.CHGBODY = 0x02
M.ADDRCPT = 0x04
M.DELRCPT = 0x08
M.CHGHDRS = 0x10
M.QUARANTINE = 0x20
M.CHGFROM = 0x40
M.ADDRCPT_PAR = 0x80
M.SETSYMLIST = 0x100

-- protocol steps (SMFIP_*)
M.P_NOCONNECT = 0x01
M.P_NOHELO = 0x02
M.P_NOMAIL = 0x04
M.P_NORCPT = 0x08
M.P_NOBODY = 0x10
M.P_NOHDRS = 0x20
M.P_NOEOH = 0x40
M.P_NR_HDR = 0x80
M.P_NOUNKNOWN = 0x100
M.P_NODATA = 0x200
M.P_SKIP = 0x400
M.P_RCPT_REJ = 0x800
M.P_NR_CONN = 0x1000
M.P_NR_HELO = 0x2000
M.P_NR_MAIL = 0x4000
M.P_NR_RCPT = 0x8000
M.P_NR_DATA = 0x10000
M.P_NR_UNKN = 0x20000
M.P_NR_EOH = 0x40000
M.P_NR_BODY = 0x80000
M.P_HDR_LEADSPC = 0x100000

-- macro stages for setsmlist / symlist (SMFIM_*)
M.M_CONNECT = 0
M.M_HELO = 1
M.M_ENVFROM = 2
M.M_ENVRCPT = 3
M.M_DATA = 4
M.M_EOM = 5
M.M_EOH = 6

--- Base: the silent base class.  It defines no callback, so a class built
-- on it asks the MTA only for the stages it defines.
local Base = {}
M.Base = Base

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
