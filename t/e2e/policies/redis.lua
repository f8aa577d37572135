-- redis.lua: drives milter.redis from the HELO name, a command; the answer
-- (the reply shown with its Lua types) is the X-Result header at eom.
--   call:ARG ARG ...    redis.call(ARG...) (\0 in an argument is a NUL)
--   pipe:CMD ARG|CMD ARG ...   redis.pipeline
--   eval:SCRIPT         redis.eval(SCRIPT, {"k1"}, {"a1"})
--   timed:ARG ...       redis.call, answered as "SECONDS err-or-reply"
--   raises:ARG ...      whether redis.call raises, and the message
--   configured          redis.configured()
--   late:SECONDS ARG ...  spin SECONDS first, then as timed
-- The load client (HELO client.example) makes one call per recipient that
-- holds its connection 2 ms on the server.
local milter = require "milter"
local redis = require "milter.redis"

local P = milter.Base:extend()
function P:connect() end
function P:envfrom() end
-- the load client (t/perf/client.c, HELO client.example): a call that
-- holds its connection for 2 ms on the server
local hold = [[
local s = redis.call("TIME")
repeat local n = redis.call("TIME")
until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 2000
return redis.call("INCR", KEYS[1])
]]
function P:envrcpt()
  if self.cmd == "client.example" then
    local v, err = redis.eval(hold, { "load" }, {})
    if not v then self:log("load call failed:", err) end
  end
end
function P:header() end
function P:eoh() end
function P:body() end

-- show: a value with its type, tables in order
local function show(v)
  if type(v) == "table" then
    local parts = {}
    for i = 1, #v do parts[i] = show(v[i]) end
    for k, x in pairs(v) do
      if type(k) ~= "number" then parts[#parts + 1] = k .. "=" .. show(x) end
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  if math.type(v) == "integer" then return "i" .. v end
  if type(v) == "string" then return "s" .. v:gsub("%z", "\\0") end
  return tostring(v)
end

-- args: the words of text, \0 turned into NUL bytes
local function args(text)
  local t = {}
  for w in text:gmatch("%S+") do t[#t + 1] = (w:gsub("\\0", "\0")) end
  return t
end

-- its own tests: run at start and before each SIGHUP is accepted, never
-- reaching the configured Redis (t/e2e/278 checks that from the server)
P.tests = {
  { name = "Redis is not reached in policy tests",
    stages = { { "connect", "c", "inet", "192.0.2.1" }, { "helo", "probe" } },
    expect = { verdict = "continue" } },
}

function P:hello(name)
  self.cmd = name
  if name == "probe" then
    assert(redis.configured() == false, "configured() is false in tests")
    local v, err = redis.call("SET", "reached", "1")
    assert(v == nil and err == "redis is not available in policy tests", tostring(err))
    v, err = redis.pipeline({ { "INCR", "reached" } })
    assert(v == nil and err == "redis is not available in policy tests", tostring(err))
    v, err = redis.eval("return 1", {}, {})
    assert(v == nil and err == "redis is not available in policy tests", tostring(err))
  end
end

function P:eom()
  local cmd, rest = (self.cmd or ""):match("^(%w+):?(.*)$")
  local result
  if cmd == "call" then
    local v, err = redis.call(table.unpack(args(rest)))
    result = show(v) .. (err and (" " .. err) or "")
  elseif cmd == "pipe" then
    local cmds = {}
    for part in (rest .. "|"):gmatch("(.-)|") do cmds[#cmds + 1] = args(part) end
    local v, err = redis.pipeline(cmds)
    result = show(v) .. (err and (" " .. err) or "")
  elseif cmd == "eval" then
    local v, err = redis.eval(rest, { "k1" }, { "a1" })
    result = show(v) .. (err and (" " .. err) or "")
  elseif cmd == "timed" then
    local t0 = milter.now()
    local v, err = redis.call(table.unpack(args(rest)))
    result = string.format("%.3f %s", milter.now() - t0, err or show(v))
  elseif cmd == "late" then
    local spin, call = rest:match("^(%S+)%s+(.*)$")
    local t0 = milter.now()
    while milter.now() - t0 < tonumber(spin) do end
    t0 = milter.now()
    local v, err = redis.call(table.unpack(args(call)))
    result = string.format("%.3f %s", milter.now() - t0, err or show(v))
  elseif cmd == "raises" then
    local ok, err = pcall(redis.call, table.unpack(args(rest)))
    result = tostring(not ok) .. " " .. tostring(err)
  elseif cmd == "configured" then
    result = tostring(redis.configured())
  end
  if result then self:addheader("X-Result", result) end
end

return P
