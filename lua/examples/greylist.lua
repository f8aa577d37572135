-- greylist.lua: classic greylisting on the triplet (client network,
-- envelope sender, recipient).
--
-- The first attempt of a triplet gets "451 4.7.1" at RCPT TO; a retry
-- after `delay` seconds and within `window` passes, and the triplet is then
-- remembered for `lifetime` (renewed by every message that passes), so the
-- sender's next mail goes through at once.  Real MTAs retry; most spam
-- engines do not.  Authenticated senders ({auth_authen}) and the networks
-- in `pass_networks` are never greylisted.
--
-- Where the triplets are kept:
--   * Redis, when the config sets `redis = ...`: every MX host that uses
--     the same Redis sees the same triplets (a retry may arrive at another
--     MX); one server-side script (redis.eval) decides atomically.
--   * else the shared dictionary `greylist` of this luamilter:
--       shared_dict = greylist 32M      (about 150 000 triplets)
-- If Redis fails (down, slow, refused), mail goes through and the log says
-- why: greylisting is a filter, never a reason to hold mail.
--
-- Edit the parameters below.

local milter = require "milter"
local ip = require "milter.ip"
local redis = require "milter.redis"
local shared = require "milter.shared"

local Policy = milter.Base:extend()

Policy.delay = 300                  -- seconds a new triplet must wait
Policy.window = 4 * 3600            -- seconds after the first try a retry passes
Policy.lifetime = 36 * 86400        -- seconds a passed triplet is remembered
Policy.pass_networks = {            -- client networks never greylisted
  "127.0.0.0/8", "::1/128",
  -- "192.0.2.0/24",
}
Policy.dict = "greylist"            -- the shared_dict used without Redis
Policy.prefix = "gl:"               -- Redis key prefix
Policy.reply = { "451", "4.7.1",
  "Greylisted: please try again later" }

-- pass_nets: the parsed pass_networks, once per connection state
local pass_nets

-- client_net: the client's network as text: a.b.c.0/24 for IPv4, the
-- first 64 bits for IPv6; nil for a client without an IP (local, unix)
local function client_net(addr)
  local b, fam = ip.parse(addr or "")
  if not b then return nil end
  if fam == "inet" then
    return string.format("%d.%d.%d.0/24", b:byte(13, 15))
  end
  return string.format("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64",
    b:byte(1, 8))
end

-- the decision, on the server (KEYS[1]: the triplet; ARGV: now, delay,
-- window, lifetime): 0 new, 1 passes, 2 retried too early
local decide_script = [[
local v = redis.call("GET", KEYS[1])
local now = tonumber(ARGV[1])
if not v then
  redis.call("SET", KEYS[1], ARGV[1], "EX", ARGV[3])
  return 0
end
if v == "ok" then
  redis.call("EXPIRE", KEYS[1], ARGV[4])
  return 1
end
if now - tonumber(v) < tonumber(ARGV[2]) then return 2 end
redis.call("SET", KEYS[1], "ok", "EX", ARGV[4])
return 1
]]

-- decide_redis: the triplet's fate through Redis; nil and why on failure
function Policy:decide_redis(key, now)
  return redis.eval(decide_script, { self.prefix .. key },
    { math.floor(now), self.delay, math.ceil(self.window),
      math.ceil(self.lifetime) })
end

-- decide_dict: the same in the shared dictionary (first try: the time it
-- was seen, expiring with the window; passed: true, for the lifetime)
function Policy:decide_dict(key, now)
  local d = shared[self.dict]
  local stored, err = d:add(key, now, self.window)
  if stored then return 0 end
  if err ~= "exists" then return nil, "shared_dict " .. self.dict .. ": " .. tostring(err) end
  local seen = d:get(key)
  if seen == true then
    d:expire(key, self.lifetime)
    return 1
  end
  if seen == nil then                   -- expired meanwhile: a new try
    d:set(key, now, self.window)
    return 0
  end
  if now - seen < self.delay then return 2 end
  d:set(key, true, self.lifetime)
  return 1
end

function Policy:connect(hostname, family, hostaddr)
  self.net = nil
  if family ~= "inet" and family ~= "inet6" then return milter.CONTINUE end
  pass_nets = pass_nets or (function()
    local t = {}
    for _, n in ipairs(self.pass_networks) do t[#t + 1] = assert(ip.cidr(n)) end
    return t
  end)()
  if ip.match(hostaddr[1], pass_nets) then return milter.CONTINUE end
  self.net = client_net(hostaddr[1])
  return milter.CONTINUE
end

function Policy:envfrom(from)
  self.from = from:lower()
  self.skip = self.net == nil or self:getsymval("{auth_authen}") ~= nil
  return milter.CONTINUE
end

function Policy:envrcpt(to)
  if self.skip then return milter.CONTINUE end
  local key = self.net .. "\0" .. self.from .. "\0" .. to:lower()
  local now = milter.now()
  local r, err
  if redis.configured() then
    r, err = self:decide_redis(key, now)
  else
    r, err = self:decide_dict(key, now)
  end
  if r == nil then
    self:log("greylist: not checked, letting it through:", err)
    return milter.CONTINUE
  end
  if r == 1 then return milter.CONTINUE end
  self:setreply(table.unpack(self.reply))
  return milter.TEMPFAIL
end

-- its own tests (luamilter -t, and before a SIGHUP is accepted): each
-- runs with fresh dictionaries (declare `greylist` in the config) on a
-- clock the `advance` steps move; Redis is never reached, the last two
-- give a stub instead
local greylisted = { result = "tempfailed",
  reply = "451 4.7.1 Greylisted: please try again later" }
local delivered = { result = "delivered" }

-- mail: one message from client to rcpt, expecting expect
local function mail(client, rcpt, expect, extra)
  local m = { message = "Subject: hi\r\n\r\nhello\r\n", client = client,
    family = client:find(":", 1, true) and "inet6" or "inet",
    from = "<a@example.com>", rcpt = { rcpt or "<b@example.org>" },
    expect = expect }
  for k, v in pairs(extra or {}) do m[k] = v end
  return m
end

Policy.tests = {
  { name = "a new triplet is greylisted at RCPT TO",
    messages = { mail("192.0.2.10", nil, greylisted) } },
  { name = "a retry after the delay passes, and later mail at once",
    messages = { mail("192.0.2.11", nil, greylisted), { advance = 301 },
      mail("192.0.2.11", nil, delivered), { advance = 30 * 86400 },
      mail("192.0.2.11", nil, delivered) } },
  { name = "a retry before the delay is greylisted again",
    messages = { mail("192.0.2.12", nil, greylisted), { advance = 120 },
      mail("192.0.2.12", nil, greylisted), { advance = 181 },
      mail("192.0.2.12", nil, delivered) } },
  { name = "a retry after the window starts over",
    messages = { mail("192.0.2.13", nil, greylisted), { advance = 5 * 3600 },
      mail("192.0.2.13", nil, greylisted) } },
  { name = "the triplet is per /24: another host of it passes",
    messages = { mail("198.51.100.1", nil, greylisted), { advance = 301 },
      mail("198.51.100.77", nil, delivered),
      mail("198.51.101.1", nil, greylisted) } },
  { name = "IPv6 clients are grouped by /64",
    messages = { mail("2001:db8:1:2::1", nil, greylisted), { advance = 301 },
      mail("2001:db8:1:2::99", nil, delivered),
      mail("2001:db8:1:3::1", nil, greylisted) } },
  { name = "another recipient is another triplet (one connection, stages)",
    stages = { { "connect", "mx.example.net", "inet", "192.0.2.14" },
      { "envfrom", "<a@example.com>" }, { "envrcpt", "<b@example.org>" },
      { "advance", 301 }, { "envrcpt", "<b@example.org>" },
      { "envrcpt", "<c@example.org>" } },
    expect = { verdict = "tempfail" } },
  { name = "authenticated senders are not greylisted",
    messages = { mail("192.0.2.15", nil, delivered,
      { macros = { ["{auth_authen}"] = "alice" } }) } },
  { name = "listed networks are not greylisted",
    messages = { mail("127.0.0.1", nil, delivered) } },
  { name = "with Redis, the server-side script decides",
    redis = function(cmd, script, nkeys, key)
      assert(cmd == "EVAL" and nkeys == "1" and key:sub(1, 3) == "gl:")
      return 0
    end,
    messages = { mail("192.0.2.16", nil, greylisted) } },
  { name = "a Redis failure lets mail through",
    redis = function() return nil, "connection to 10.0.0.5:6379 refused" end,
    messages = { mail("192.0.2.17", nil, delivered) } },
}

return Policy
