-- dnsbl.lua: the client's address against several DNS lists at once.
--
-- The lookups start at connect (dns.start, one per list), so they run
-- while the SMTP dialogue goes on, and are collected at the first RCPT: a
-- listed client gets "554 5.7.1" naming the list and its TXT text, for
-- every recipient of the connection.  Authenticated clients (the MTA's
-- {auth_authen} macro at MAIL) and clients from Policy.skip (local
-- networks) are not checked.  A list that fails (timeout, servfail, an
-- answer that is no listing such as 127.255.255.254, "blocked") lets the
-- mail through and the log says why.
--
-- Set Policy.zones to the lists you use (and may use: most lists refuse
-- queries that come through public resolvers, see dns_servers), in a
-- policy built on this one:
--   local P = require("dnsbl"):extend({ zones = { "dnsbl.example.net" },
--     tests = { ... } })    -- the tests here stub the default zones
-- milter.dns needs no lua_allow word.

local milter = require "milter"
local dns = require "milter.dns"
local ip = require "milter.ip"

local Policy = milter.Base:extend()

Policy.zones = { "zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org" }
Policy.skip = { "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
  "192.168.0.0/16", "fc00::/7" }
Policy.symlist = { envfrom = { "{auth_authen}" } }
-- the MTA need not wait for connect and MAIL: the lookups run meanwhile
Policy.noreply = { "connect", "envfrom" }

-- reversed: the name of address text under zone (IPv4 octets reversed,
-- IPv6 by nibbles, IPv4-mapped IPv6 as IPv4), or nil
local function reversed(addr, zone)
  local b, family = ip.parse(addr)
  if not b then return nil end
  local parts = {}
  if family == "inet" then
    for i = 16, 13, -1 do parts[#parts + 1] = tostring(b:byte(i)) end
  else
    for i = 16, 1, -1 do
      local x = b:byte(i)
      parts[#parts + 1] = string.format("%x.%x", x % 16, x // 16)
    end
  end
  return table.concat(parts, ".") .. "." .. zone
end

-- listing: nil when answers (an A lookup's records) do not list the
-- client, the first answer when they do, or false and why when they are
-- no listing at all (the list refused us, or answered nonsense)
local function listing(answers)
  if #answers == 0 then return nil end
  for _, a in ipairs(answers) do
    local x, y, z = a:match("^127%.(%d+)%.(%d+)%.(%d+)$")
    if not x then return false, "answer " .. a .. " is not in 127.0.0.0/8" end
    if x == "255" and y == "255" and tonumber(z) >= 252 then
      return false, "answer " .. a .. ": the list refuses this resolver"
    end
  end
  return answers[1]
end

-- reply_text: DNS text made safe for an SMTP reply (no control bytes, %
-- doubled, not too long)
local function reply_text(s)
  return (s:gsub("%c", " "):sub(1, 300):gsub("%%", "%%%%"))
end

function Policy:connect(hostname, family, hostaddr)
  if family ~= "inet" and family ~= "inet6" then return milter.CONTINUE end
  self.client = hostaddr.ip
  if ip.match(self.client, self.skip) then return milter.CONTINUE end
  self.lookups = {}
  for _, zone in ipairs(self.zones) do
    local name = reversed(self.client, zone)
    if name then
      self.lookups[#self.lookups + 1] = { zone = zone, name = name,
        handle = dns.start(name, "A") }
    end
  end
  return milter.CONTINUE
end

function Policy:envfrom(from)
  self.authenticated = self:getsymval("{auth_authen}") ~= nil
  return milter.CONTINUE
end

-- verdict: the lists' answer, collected once per connection: nil (not
-- listed) or {zone =, answer =, text =}
function Policy:verdict()
  if self.checked then return self.listed end
  self.checked = true
  for _, l in ipairs(self.lookups or {}) do
    local answers, err, detail = l.handle:wait()
    local hit, why
    if answers then hit, why = listing(answers) end
    if hit then
      local txt = dns.query(l.name, "TXT")
      self.listed = { zone = l.zone, answer = hit, text = txt and txt[1] }
      self:log("dnsbl:", self.client, "listed in", l.zone, "as", hit)
      return self.listed
    elseif answers == nil then
      self:log("dnsbl:", l.zone, "could not be asked about", self.client, "(" .. err .. "):",
        detail, "- not rejecting")
    elseif hit == false then
      self:log("dnsbl:", l.zone, "gave no usable answer for", self.client .. ":", why,
        "- not rejecting")
    end
  end
  return nil
end

function Policy:envrcpt(to)
  if self.authenticated then return milter.CONTINUE end
  local listed = self:verdict()
  if not listed then return milter.CONTINUE end
  local text = "Service unavailable; client [" .. self.client .. "] blocked using "
    .. listed.zone
  if listed.text then text = text .. ": " .. reply_text(listed.text) end
  self:setreply("554", "5.7.1", text)
  return milter.REJECT
end

-- the tests ask the default lists (stubbed: tests never query); a policy
-- built on this one with other zones brings its own tests (or tests = {})
local function list_stubs(last, answers)
  local out = {}
  for _, z in ipairs(Policy.zones) do out[last .. ".2.0.192." .. z .. "/A"] = "nxdomain" end
  for k, v in pairs(answers) do out[k] = v end
  return out
end

Policy.tests = {
  { name = "a listed client is refused at RCPT, naming the list and its text",
    stages = { { "connect", "c.example", "inet", "192.0.2.2" },
      { "envfrom", "<a@example.com>" }, { "envrcpt", "<b@example.org>" } },
    dns = list_stubs("2", { ["2.2.0.192.zen.spamhaus.org/A"] = { "127.0.0.2" },
      ["2.2.0.192.zen.spamhaus.org/TXT"] = { "https://www.spamhaus.org/query/ip/192.0.2.2 100%" } }),
    expect = { verdict = "reject", reply = "554 5.7.1 Service unavailable; client "
      .. "[192.0.2.2] blocked using zen.spamhaus.org: "
      .. "https://www.spamhaus.org/query/ip/192.0.2.2 100%%" } },
  { name = "another list lists it (IPv6 client, no TXT)",
    stages = { { "connect", "c.example", "inet6", "2001:db8::2" },
      { "envfrom", "<a@example.com>" }, { "envrcpt", "<b@example.org>" } },
    dns = { ["2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org/A"] = "nxdomain",
      ["2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.spamcop.net/A"] = { "127.0.0.2" },
      ["2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.spamcop.net/TXT"] = {} },
    expect = { verdict = "reject", reply = "554 5.7.1 Service unavailable; client "
      .. "[2001:db8::2] blocked using bl.spamcop.net" } },
  { name = "an unlisted client is delivered",
    message = "Subject: hi\r\n\r\nbody\r\n", client = "192.0.2.3",
    from = "<a@example.com>", rcpt = { "<b@example.org>" },
    dns = list_stubs("3", {}),
    expect = { result = "delivered" } },
  { name = "a DNS failure, or an answer that is no listing, lets mail through",
    message = "Subject: hi\r\n\r\nbody\r\n", client = "192.0.2.4",
    from = "<a@example.com>", rcpt = { "<b@example.org>" },
    dns = list_stubs("4", { ["4.2.0.192.zen.spamhaus.org/A"] = { "127.255.255.254" },
      ["4.2.0.192.bl.spamcop.net/A"] = "timeout" }),
    expect = { result = "delivered", errors = false } },
  { name = "authenticated clients are not checked",
    stages = { { "connect", "c.example", "inet", "192.0.2.2" },
      { "envfrom", "<a@example.com>" }, { "envrcpt", "<b@example.org>" } },
    macros = { ["{auth_authen}"] = "alice" },
    dns = list_stubs("2", { ["2.2.0.192.zen.spamhaus.org/A"] = { "127.0.0.2" } }),
    expect = { verdict = "continue" } },
  { name = "local networks are not checked",
    stages = { { "connect", "localhost", "inet", "127.0.0.1" },
      { "envfrom", "<a@example.com>" }, { "envrcpt", "<b@example.org>" } },
    dns = { ["1.0.0.127.zen.spamhaus.org/A"] = { "127.0.0.2" } },
    expect = { verdict = "continue" } },
}

return Policy
