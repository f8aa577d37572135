-- ratelimit.lua: at most `per_ip` messages per client IP per `ip_window`
-- seconds, and at most `per_user` recipients per authenticated user
-- ({auth_authen}) per `user_window` seconds; past a limit the command gets
-- "451 4.7.1" (MAIL FROM for the client's messages, RCPT TO for the user's
-- recipients), so a well-behaved MTA retries later.
--
-- Each limit is a counter that starts with the first message of a window
-- and expires with it, created with its expiry in the same step (the
-- shared dictionary's incr with init_ttl; MULTI/EXEC in one round trip on
-- Redis), so a counter can never be left without expiry, limiting forever.
--
-- Counted in Redis when the config sets `redis = ...` (every MX host that
-- shares it counts together), else in the shared dictionary `ratelimit`:
--     shared_dict = ratelimit 8M
-- If Redis fails, mail goes through and the log says why.
--
-- Edit the parameters below.

local milter = require "milter"
local redis = require "milter.redis"
local shared = require "milter.shared"

local Policy = milter.Base:extend()

Policy.per_ip = 30                  -- messages per client IP ...
Policy.ip_window = 60               -- ... per this many seconds
Policy.per_user = 500               -- recipients per authenticated user ...
Policy.user_window = 3600           -- ... per this many seconds
Policy.exempt = { ["127.0.0.1"] = true, ["::1"] = true }  -- client IPs
Policy.dict = "ratelimit"           -- the shared_dict used without Redis
Policy.prefix = "rl:"               -- Redis key prefix
Policy.reply = { "451", "4.7.1",
  "Too many messages, please slow down and try again later" }

-- count_redis: add n to key's counter (made with a ttl expiry); the new
-- count, or nil and why
function Policy:count_redis(key, n, ttl)
  local r, err = redis.pipeline({
    { "MULTI" },
    { "SET", self.prefix .. key, 0, "EX", ttl, "NX" },
    { "INCRBY", self.prefix .. key, n },
    { "EXEC" },
  })
  if r == nil then return nil, err end
  local exec = r[4]
  if type(exec) ~= "table" or type(exec[2]) ~= "number" then
    return nil, "unexpected reply to EXEC: " .. tostring(exec and exec.err or exec)
  end
  return exec[2]
end

-- count_dict: the same in the shared dictionary
function Policy:count_dict(key, n, ttl)
  local v, err = shared[self.dict]:incr(key, n, 0, ttl)
  if v == nil then return nil, "shared_dict " .. self.dict .. ": " .. tostring(err) end
  return v
end

-- over: whether key's counter, after adding n, is past limit (fails open)
function Policy:over(key, n, limit, ttl)
  local v, err
  if redis.configured() then
    v, err = self:count_redis(key, n, ttl)
  else
    v, err = self:count_dict(key, n, ttl)
  end
  if v == nil then
    self:log("ratelimit: not counted, letting it through:", err)
    return false
  end
  return v > limit
end

function Policy:connect(hostname, family, hostaddr)
  self.ip = (family == "inet" or family == "inet6") and hostaddr[1] or nil
  return milter.CONTINUE
end

function Policy:envfrom(from)
  self.user = self:getsymval("{auth_authen}")
  if self.ip and not self.exempt[self.ip] and
      self:over("ip:" .. self.ip, 1, self.per_ip, self.ip_window) then
    self:setreply(table.unpack(self.reply))
    return milter.TEMPFAIL
  end
  return milter.CONTINUE
end

function Policy:envrcpt(to)
  if self.user and
      self:over("user:" .. self.user, 1, self.per_user, self.user_window) then
    self:setreply(table.unpack(self.reply))
    return milter.TEMPFAIL
  end
  return milter.CONTINUE
end

-- its own tests: fresh dictionaries (declare `ratelimit` in the config) on
-- a clock the `advance` steps move; Redis only through stubs
local function mail(client, expect, extra)
  local m = { message = "Subject: hi\r\n\r\nhello\r\n", client = client,
    from = "<a@example.com>", rcpt = { "<b@example.org>" }, expect = expect }
  for k, v in pairs(extra or {}) do m[k] = v end
  return m
end

local ok = { result = "delivered" }
local slow = { result = "tempfailed", reply = "451 4.7.1 Too many messages, "
  .. "please slow down and try again later" }

-- burst: n messages from client, each expecting expect
local function burst(list, n, client, expect, extra)
  for _ = 1, n do list[#list + 1] = mail(client, expect, extra) end
  return list
end

local ip_test = burst({}, 30, "192.0.2.20", ok)
burst(ip_test, 1, "192.0.2.20", slow)
burst(ip_test, 1, "192.0.2.21", ok)                 -- another client
ip_test[#ip_test + 1] = { advance = 61 }
burst(ip_test, 1, "192.0.2.20", ok)                 -- a new window

local user_test = {}
for _ = 1, 5 do
  user_test[#user_test + 1] = mail("192.0.2.30", ok, { rcpt = {}, macros =
    { ["{auth_authen}"] = "bob" } })
  local rcpts = user_test[#user_test].rcpt
  for i = 1, 100 do rcpts[i] = "<r" .. i .. "@example.org>" end
end
user_test[#user_test + 1] = mail("192.0.2.31", slow,
  { macros = { ["{auth_authen}"] = "bob" } })
user_test[#user_test + 1] = { advance = 3601 }
user_test[#user_test + 1] = mail("192.0.2.31", ok,
  { macros = { ["{auth_authen}"] = "bob" } })

Policy.tests = {
  { name = "per_ip messages a minute pass, the next one waits",
    messages = ip_test },
  { name = "per_user recipients an hour for an authenticated user",
    messages = user_test },
  { name = "with Redis: counted in one MULTI/EXEC round trip",
    redis = function(cmd, ...)
      if cmd == "EXEC" then return { false, 31 } end
      return "QUEUED"
    end,
    messages = { mail("192.0.2.40", slow) } },
  { name = "a Redis failure lets mail through",
    redis = function() return nil, "timeout after 0.25 s" end,
    messages = { mail("192.0.2.41", ok) } },
}

return Policy
