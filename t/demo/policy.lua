-- t/demo/policy.lua: the policy of scripts/observe-demo.  Two rules, each
-- saying why it decided with self:note: a client in the blocklist table,
-- and a message over 200 000 body bytes, are rejected at end of message
-- (the benchmark client, which drives the demo, sends every stage), and a
-- message with more than 30 Received headers (a mail loop) at end of
-- headers; past 100 recipients a message's next ones are tempfailed.
-- Everything else is delivered.
local milter = require "milter"
local tables = require "milter.tables"

local P = milter.Base:extend()

function P:connect(host, family, addr)
  self.ip = type(addr) == "table" and addr.ip or "127.0.0.1"
  return milter.CONTINUE
end

P.tables = { blocklist = "cidr:blocklist.cidr" }

function P:hello(name)
  return milter.CONTINUE
end

function P:envfrom(from)
  self.size = 0
  self.hops = 0
  self.rcpts = 0
  return milter.CONTINUE
end

function P:envrcpt(to)
  self.rcpts = (self.rcpts or 0) + 1
  if self.rcpts > 100 then
    self:note("rule", "rcpt_limit")
    self:setreply("452", "4.5.3", "too many recipients")
    return milter.TEMPFAIL
  end
  return milter.CONTINUE
end

function P:header(name, value)
  if name:lower() == "received" then self.hops = self.hops + 1 end
  return milter.CONTINUE
end

function P:eoh()
  if self.hops > 30 then
    self:note("rule", "loop")
    self:note("hops", self.hops)
    self:setreply("554", "5.4.6", "too many hops")
    return milter.REJECT
  end
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
