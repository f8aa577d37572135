-- tagger.lua: header tagger.
--
-- Adds X-Client-Addr (from {client_addr}, or the connect info) and
-- X-Tagged, prefixes the Subject with "[EXTERNAL] " when the client is not
-- in a trusted network, and drops every X-Internal-Only header (a client
-- must not be able to forge it).  Header indexes for chgheader count per
-- header name, from 1, as libmilter does.

local milter = require "milter"
local ip = require "milter.ip"

local Policy = milter.Base:extend()

Policy.trusted = { "127.0.0.0/8", "::1/128", "10.0.0.0/8", "192.168.0.0/16" }
Policy.tag = "[EXTERNAL] "
Policy.noreply = { "connect", "header" }
Policy.symlist = { connect = "{client_addr} j" }

function Policy:connect(hostname, family, hostaddr)
  self.client = type(hostaddr) == "table" and hostaddr.ip or nil
end

function Policy:envfrom()
  self.subject, self.internal = nil, 0          -- a new message
end

function Policy:header(name, value)
  local n = name:lower()
  if n == "subject" and self.subject == nil then
    self.subject = value
  elseif n == "x-internal-only" then
    self.internal = self.internal + 1
  end
end

function Policy:eom()
  local client = self:getsymval("{client_addr}") or self.client
  local trusted = client ~= nil and ip.match(client, self.trusted) ~= nil
  self:addheader("X-Client-Addr", client or "unknown")
  self:addheader("X-Tagged", trusted and "internal" or "external")
  if not trusted and self.subject ~= nil and
      self.subject:sub(1, #self.tag) ~= self.tag then
    self:chgheader("Subject", 1, self.tag .. self.subject)
  end
  -- delete from the last occurrence down, so indexes stay valid
  for i = self.internal, 1, -1 do self:chgheader("X-Internal-Only", i, nil) end
  return milter.CONTINUE
end

Policy.tests = {
  { name = "external mail is tagged", client = "198.51.100.7",
    message = "Subject: Hello\r\nX-Internal-Only: forged\r\n\r\nbody\r\n",
    rcpt = { "<b@example.org>" },
    expect = { actions = {
      { op = "addheader", name = "X-Client-Addr", value = "198.51.100.7" },
      { op = "addheader", name = "X-Tagged", value = "external" },
      { op = "chgheader", name = "Subject", index = 1, value = "[EXTERNAL] Hello" },
      { op = "chgheader", name = "X-Internal-Only", index = 1 } } } },
  { name = "internal mail is not", client = "10.1.2.3",
    message = "Subject: Hello\r\n\r\nbody\r\n", rcpt = { "<b@example.org>" },
    expect = { actions = { { op = "addheader", name = "X-Tagged", value = "internal" } } } },
}

return Policy
