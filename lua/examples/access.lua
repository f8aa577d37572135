-- access.lua: client, sender and recipient access checks on Postfix tables.
--
-- Three tables next to this script, in Postfix's own formats, so that
-- `postmap -q KEY TYPE:FILE` answers for them what this policy sees:
--   access_client.cidr   the client's address      cidr_table(5)
--   access_sender        the envelope sender       access(5) keys, texthash
--   access_recipient     each envelope recipient   access(5) keys, texthash
-- The policy declares them (Policy.tables below); a config line such as
--   table = access_client cidr:/etc/postfix/client_access.cidr
-- points it at the admin's own file instead.  No lua_allow word is needed.
--
-- Sender and recipient keys are looked up as smtpd's check_sender_access
-- does: user@domain, then the domain and each parent domain
-- ("mail.spammer.example" finds "spammer.example"), then user@.
--
-- Results, as in access(5): OK and DUNNO let the mail on; REJECT [text]
-- (554 5.7.1), DEFER [text] (450 4.7.1) or a reply code with an optional
-- enhanced code and text ("550 5.7.1 Go away").  Anything else is an error
-- (the MTA gets on_error), never a silent pass.

local milter = require "milter"
local ip = require "milter.ip"
local tables = require "milter.tables"

local Policy = milter.Base:extend()

Policy.tables = {
  access_client = "cidr:access_client.cidr",
  access_sender = "texthash:access_sender",
  access_recipient = "texthash:access_recipient",
}

-- decide: the status for a table result (nil: no entry), with its reply set
function Policy:decide(what, result, key)
  if result == nil then return milter.CONTINUE end
  local word, rest = result:match("^(%a+)%s*(.-)%s*$")
  word = word and word:upper()
  local code, xcode, text
  if word == "OK" or word == "DUNNO" then
    return milter.CONTINUE
  elseif word == "REJECT" then
    code, xcode, text = "554", "5.7.1", rest
  elseif word == "DEFER" then
    code, xcode, text = "450", "4.7.1", rest
  else
    code, rest = result:match("^([45]%d%d)%s*(.-)$")
    if not code then
      error(("access: %s %s: result '%s' is not OK, DUNNO, REJECT, DEFER or "
        .. "a reply code"):format(what, key, result), 0)
    end
    xcode, text = rest:match("^(%d%.%d+%.%d+)%s*(.-)$")
    if xcode and xcode:sub(1, 1) ~= code:sub(1, 1) then xcode = nil end
    text = text or rest
  end
  self:setreply(code, xcode, text ~= "" and text or "Access denied")
  self:log("access:", what, key, result)
  return code:sub(1, 1) == "4" and milter.TEMPFAIL or milter.REJECT
end

function Policy:connect(hostname, family, hostaddr)
  if family ~= "inet" and family ~= "inet6" then return milter.CONTINUE end
  -- Postfix matches "::ffff:192.0.2.1" against IPv6 rules only: look the
  -- client up as the IPv4 address it is
  local b = ip.parse(hostaddr.ip)
  local client = b and ip.tostring(b) or hostaddr.ip
  return self:decide("client", tables.access_client:lookup(client), client)
end

function Policy:envfrom(from)
  local result, key = tables.access_sender:lookup_address(from)
  return self:decide("sender", result, key)
end

function Policy:envrcpt(to)
  local result, key = tables.access_recipient:lookup_address(to)
  return self:decide("recipient", result, key)
end

Policy.tests = {
  { name = "blocked network", message = "Subject: x\r\n\r\nx\r\n", client = "192.0.2.9",
    rcpt = { "<b@example.org>" },
    expect = { result = "rejected", reply = "550 5.7.1 Your network is blocked here" } },
  { name = "blocked network, client on an IPv6 socket (IPv4-mapped)",
    stages = { { "connect", "h.example", "inet6", "::ffff:192.0.2.9", 25 } },
    expect = { verdict = "reject", reply = "550 5.7.1 Your network is blocked here" } },
  { name = "blocked IPv6 network, default text",
    stages = { { "connect", "h.example", "inet6", "2001:db8:bad::1", 25 } },
    expect = { verdict = "reject", reply = "554 5.7.1 Access denied" } },
  { name = "blocked sender domain", message = "Subject: x\r\n\r\nx\r\n", client = "198.51.100.1",
    from = "<x@Spammer.Example>", rcpt = { "<b@example.org>" },
    expect = { result = "rejected", reply = "550 5.7.1 Go away" } },
  { name = "subdomain too", message = "Subject: x\r\n\r\nx\r\n", client = "198.51.100.1",
    from = "<x@mail.spammer.example>", rcpt = { "<b@example.org>" },
    expect = { result = "rejected" } },
  { name = "closed mailbox is tempfailed, others delivered", message = "Subject: x\r\n\r\nx\r\n",
    client = "198.51.100.1", from = "<a@ok.example>",
    rcpt = { "<closed@example.org>", "<open@example.org>", "<postmaster@any.example>" },
    expect = { result = "delivered",
               rcpts = { "<open@example.org>", "<postmaster@any.example>" } } },
  { name = "clean mail passes", message = "Subject: x\r\n\r\nx\r\n", client = "198.51.100.1",
    from = "<friend@partner.example>", rcpt = { "<b@example.org>" },
    expect = { result = "delivered", no_actions = true } },
}

return Policy
