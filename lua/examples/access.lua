-- access.lua: sender, recipient and client access list from a plain file.
--
-- Each line of the list (access.txt next to this script, or Policy.file) is
--   client|from|rcpt  PATTERN  OK|REJECT|TEMPFAIL [CODE XCODE TEXT...]
-- client patterns are IPs or CIDR networks (IPv4 and IPv6); from and rcpt
-- patterns are an address, a domain ("example.com"), subdomains
-- (".example.com") or a local part ("postmaster@").  The first matching
-- line decides; OK stops the checks of that kind.
--
-- Reading a file needs the io library: run it with 'lua_allow = io' in the
-- config.  The file is read when a connection's state starts (the script's
-- top level runs once per connection), so keep it to a few thousand lines;
-- bigger lists belong in a database lookup outside the milter.

local milter = require "milter"
local addr = require "milter.addr"
local ip = require "milter.ip"

local Policy = milter.Base:extend()

-- the list file: next to this script (luamilter passes the script's path
-- as the chunk's argument) unless Policy.file says otherwise
local script_path = ...
Policy.file = (script_path and script_path:match("^(.*/)") or "./") .. "access.txt"

local verdicts = { OK = milter.CONTINUE, REJECT = milter.REJECT,
  TEMPFAIL = milter.TEMPFAIL }

-- load_rules: the list as {kind=, pattern=, net=, verdict=, code=, xcode=, text=}
local function load_rules(path)
  local rules = {}
  local f = assert(io.open(path, "rb"))
  local n = 0
  for line in f:lines() do
    n = n + 1
    line = line:gsub("#.*", "")
    local kind, pattern, action, rest = line:match("^%s*(%S+)%s+(%S+)%s+(%u+)%s*(.-)%s*$")
    if kind then
      local r = { kind = kind, pattern = pattern, action = action,
        verdict = verdicts[action] }
      if r.verdict == nil then error(path .. ":" .. n .. ": unknown action " .. action) end
      r.code, r.xcode, r.text = rest:match("^(%d%d%d)%s+(%d%.%d+%.%d+)%s*(.*)$")
      if kind == "client" then
        r.net = ip.cidr(pattern) or error(path .. ":" .. n .. ": bad network " .. pattern)
      end
      rules[#rules + 1] = r
    end
  end
  f:close()
  return rules
end

-- address_matches: pattern against a parsed {local, domain}
local function address_matches(pattern, a)
  local lp, dom = a[1] or "", a[2]
  if pattern:sub(-1) == "@" then return lp:lower() == pattern:sub(1, -2):lower() end
  if pattern:find("@", 1, true) then
    return addr.normalize(pattern):lower() == (lp .. "@" .. (dom or "")):lower()
  end
  return addr.domain_matches(dom, pattern)
end

-- decide: the first rule of this kind matching; its verdict
function Policy:decide(kind, subject)
  self.rules = self.rules or load_rules(self.file)
  for _, r in ipairs(self.rules) do
    if r.kind == kind then
      local hit
      if kind == "client" then hit = subject and r.net:contains(subject)
      else hit = address_matches(r.pattern, subject) end
      if hit then
        if r.code then self:setreply(r.code, r.xcode, r.text ~= "" and r.text or nil) end
        self:log("access:", kind, r.pattern, r.action)
        return r.verdict
      end
    end
  end
  return milter.CONTINUE
end

function Policy:connect(hostname, family, hostaddr)
  if family == "inet" or family == "inet6" then
    return self:decide("client", hostaddr.ip)
  end
end

function Policy:envfrom(from)
  return self:decide("from", addr.parse_addr(from) or { "" })
end

function Policy:envrcpt(to)
  return self:decide("rcpt", addr.parse_addr(to) or { "" })
end

Policy.tests = {
  { name = "blocked network", message = "Subject: x\r\n\r\nx\r\n", client = "192.0.2.9",
    rcpt = { "<b@example.org>" },
    expect = { result = "rejected", reply = "550 5.7.1 Your network is blocked here" } },
  { name = "blocked sender domain", message = "Subject: x\r\n\r\nx\r\n", client = "198.51.100.1",
    from = "<x@Spammer.Example>", rcpt = { "<b@example.org>" },
    expect = { result = "rejected", reply = "550 5.7.1 Go away" } },
  { name = "subdomain too", message = "Subject: x\r\n\r\nx\r\n", client = "198.51.100.1",
    from = "<x@mail.spammer.example>", rcpt = { "<b@example.org>" },
    expect = { result = "rejected" } },
  { name = "closed mailbox is tempfailed, others delivered", message = "Subject: x\r\n\r\nx\r\n",
    client = "198.51.100.1", from = "<a@ok.example>",
    rcpt = { "<closed@example.org>", "<open@example.org>" },
    expect = { result = "delivered", rcpts = { "<open@example.org>" } } },
  { name = "blocked IPv6 network, stage by stage",
    stages = { { "connect", "h.example", "inet6", "2001:db8:bad::1", 25 } },
    expect = { verdict = "reject" } },
  { name = "clean mail passes", message = "Subject: x\r\n\r\nx\r\n", client = "198.51.100.1",
    from = "<a@ok.example>", rcpt = { "<b@example.org>" },
    expect = { result = "delivered", no_actions = true } },
}

return Policy
