-- fcrdns.lua: forward-confirmed reverse DNS of the client, as a header.
--
-- Adds "X-FCrDNS: pass", "fail" or "temperror" to each message from an
-- IPv4 or IPv6 client: pass when one of the names of its address (PTR)
-- has the address among its own (A or AAAA), fail when none has, or it
-- has no name; temperror when DNS could not tell (the log says why).  The
-- MTA's own verified name is used when it gives one (connect's hostname
-- is then a name, not "[ip]"), so most messages need no lookup here.
--
-- Clients with no PTR at all can be told to come back later (as Postfix's
-- reject_unknown_reverse_client_hostname does): uncomment
-- tempfail_no_ptr below.

local milter = require "milter"
local dns = require "milter.dns"

local Policy = milter.Base:extend()

-- Policy.tempfail_no_ptr = true   -- 450 4.7.25 at RCPT when the client's
--                                  -- address has no name at all

function Policy:connect(hostname, family, hostaddr)
  self.client, self.fcrdns = nil, nil
  if family ~= "inet" and family ~= "inet6" then return milter.CONTINUE end
  self.client = hostaddr.ip
  if hostname and hostname ~= "" and hostname ~= "unknown"
      and not hostname:find("^%[") then
    self.fcrdns = "pass"                -- the MTA verified it already
  end
  return milter.CONTINUE
end

-- check: the verdict, looked up once per connection
function Policy:check()
  if self.fcrdns or not self.client then return self.fcrdns end
  local name, err, detail = dns.fcrdns(self.client)
  if name then
    self.fcrdns = "pass"
  elseif name == false then
    self.fcrdns = "fail"
  else
    self.fcrdns = "temperror"
    self:log("fcrdns:", self.client .. ":", err, detail)
  end
  return self.fcrdns
end

function Policy:envrcpt(to)
  if not self.tempfail_no_ptr or self:check() ~= "fail" then
    return milter.CONTINUE
  end
  local names = dns.ptr(self.client)
  if names and #names == 0 then
    self:setreply("450", "4.7.25", "Client host rejected: cannot find your "
      .. "reverse hostname, [" .. self.client .. "]")
    return milter.TEMPFAIL
  end
  return milter.CONTINUE
end

function Policy:eom()
  local verdict = self:check()
  if verdict then self:addheader("X-FCrDNS", verdict) end
  return milter.ACCEPT
end

local msg = "To: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
local function header(value)
  return { actions = { { op = "addheader", name = "X-FCrDNS", value = value } } }
end
Policy.tests = {
  { name = "the MTA's verified name is a pass without a lookup",
    message = msg, client = "192.0.2.1", hostname = "mail.example.org",
    expect = header("pass") },
  { name = "a name that points back: pass",
    message = msg, client = "192.0.2.1", hostname = "[192.0.2.1]",
    dns = { ["1.2.0.192.in-addr.arpa/PTR"] = { "other.example.org", "mail.example.org" },
      ["other.example.org/A"] = { "198.51.100.1" },
      ["mail.example.org/A"] = { "192.0.2.1" } },
    expect = header("pass") },
  { name = "IPv6: AAAA records are compared",
    message = msg, client = "2001:db8::1", family = "inet6", hostname = "[2001:db8::1]",
    dns = { ["1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa/PTR"] =
      { "mail.example.org" }, ["mail.example.org/AAAA"] = { "2001:db8::1" } },
    expect = header("pass") },
  { name = "no name points back: fail",
    message = msg, client = "192.0.2.1", hostname = "[192.0.2.1]",
    dns = { ["1.2.0.192.in-addr.arpa/PTR"] = { "liar.example.org" },
      ["liar.example.org/A"] = { "192.0.2.99" } },
    expect = header("fail") },
  { name = "DNS could not tell: temperror",
    message = msg, client = "192.0.2.1", hostname = "[192.0.2.1]",
    dns = { ["1.2.0.192.in-addr.arpa/PTR"] = "timeout" },
    expect = header("temperror") },
}

return Policy
