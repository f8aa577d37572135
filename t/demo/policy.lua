-- t/demo/policy.lua: the policy of scripts/observe-demo.  Two rules, each
-- saying why it decided with self:note: a client in the blocklist table,
-- and a message over 200 000 body bytes, are rejected at end of message
-- (the benchmark client, which drives the demo, sends every stage).
-- Everything else is delivered.
local milter = require "milter"
local tables = require "milter.tables"

local P = milter.Base:extend()

function P:connect(host, family, addr)
  self.ip = type(addr) == "table" and addr.ip or "127.0.0.1"
  return milter.CONTINUE
end

P.tables = { blocklist = "cidr:blocklist.cidr" }

function P:envfrom(from)
  self.size = 0
  return milter.CONTINUE
end

function P:body(chunk)
  self.size = self.size + #chunk
  return milter.CONTINUE
end

function P:eom()
  if tables.blocklist:lookup(self.ip) then
    self:note("rule", "blocklist")
    self:setreply("550", "5.7.1", "client listed")
    return milter.REJECT
  end
  if self.size > 200000 then
    self:note("rule", "too_big")
    self:note("size", self.size)
    self:setreply("552", "5.3.4", "message too big for this filter")
    return milter.REJECT
  end
  return milter.ACCEPT
end

-- its own tests: a big message is rejected with its rule, a small one
-- from a client the table does not list is delivered
local function mail(body, expect)
  return { message = "Subject: demo\r\n\r\n" .. body, client = "192.0.2.1",
    from = "<a@example.com>", rcpt = { "<b@example.org>" }, expect = expect }
end

P.tests = function()
  return {
    { name = "a message over the limit is rejected",
      messages = { mail(string.rep("x", 200001), { result = "rejected" }) } },
    { name = "a small message is delivered",
      messages = { mail("hello\r\n", { result = "delivered" }) } },
    { name = "a listed client is rejected",
      messages = { (function()
        local m = mail("hello\r\n", { result = "rejected",
          reply = "550 5.7.1 client listed" })
        m.client = "198.51.100.7"
        return m
      end)() } },
  }
end

return P
