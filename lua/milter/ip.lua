--- milter.ip: IPv4/IPv6 addresses and CIDR access lists, byte-safe.
--
--   local ip = require "milter.ip"
--   local a = ip.parse("192.0.2.7")          -- 16-byte string (IPv4 mapped), "inet"
--   local net = ip.cidr("192.0.2.0/24")
--   net:contains("192.0.2.7")                -- true
--   ip.match("2001:db8::1", {"10.0.0.0/8", "2001:db8::/32"})  -- true
--
-- IPv4 addresses are held as IPv4-mapped IPv6 (::ffff:a.b.c.d), so a mapped
-- client address matches an IPv4 network.  "[...]" brackets are accepted;
-- zone ids ("%eth0") are rejected.  Bad input gives nil and a message.

local M = {}

-- parse4: dotted quad -> 4 bytes
local function parse4(s)
  local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil end
  local out = {}
  for _, x in ipairs({ a, b, c, d }) do
    if #x > 3 then return nil end
    local n = tonumber(x)
    if n > 255 then return nil end
    out[#out + 1] = string.char(n)
  end
  return table.concat(out)
end

-- groups: hex groups of one side of "::"
local function groups(s)
  local t = {}
  if s == "" then return t end
  for g in (s .. ":"):gmatch("([^:]*):") do
    if not g:match("^%x%x?%x?%x?$") then return nil end
    t[#t + 1] = tonumber(g, 16)
  end
  return t
end

-- parse6: IPv6 text -> 16 bytes
local function parse6(s)
  local v4tail = s:match(":(%d+%.%d+%.%d+%.%d+)$")
  local tail = {}
  if v4tail then
    local b = parse4(v4tail)
    if not b then return nil end
    tail = { b:byte(1) * 256 + b:byte(2), b:byte(3) * 256 + b:byte(4) }
    s = s:sub(1, #s - #v4tail - 1)
    if s:sub(-1) == ":" then s = s .. ":" end
  end
  local head, rest = s:match("^(.-)::(.*)$")
  local hg, rg
  if head then
    if rest:find("::", 1, true) then return nil end
    hg, rg = groups(head), groups(rest)
    if not hg or not rg then return nil end
    for _, g in ipairs(tail) do rg[#rg + 1] = g end
    local fill = 8 - #hg - #rg
    if fill < 1 then return nil end
    for _ = 1, fill do hg[#hg + 1] = 0 end
    for _, g in ipairs(rg) do hg[#hg + 1] = g end
  else
    hg = groups(s)
    if not hg then return nil end
    for _, g in ipairs(tail) do hg[#hg + 1] = g end
    if #hg ~= 8 then return nil end
  end
  local out = {}
  for _, g in ipairs(hg) do out[#out + 1] = string.char(g >> 8, g & 0xff) end
  return table.concat(out)
end

local MAPPED = ("\0"):rep(10) .. "\255\255"

--- parse(s) -> 16-byte address, "inet" or "inet6"; nil and a message
function M.parse(s)
  if type(s) ~= "string" then return nil, "address must be a string" end
  local inner = s:match("^%[(.*)%]$")
  if inner then s = inner end
  if s:find("%", 1, true) then return nil, "zone ids are not supported: " .. s end
  local b = parse4(s)
  if b then return MAPPED .. b, "inet" end
  if s:find(":", 1, true) then
    b = parse6(s)
    if b then return b, "inet6" end
  end
  return nil, "not an IP address: " .. s
end

--- tostring(bytes) -> text form (dotted quad for mapped IPv4)
function M.tostring(b)
  if #b ~= 16 then return nil end
  if b:sub(1, 12) == MAPPED then
    return string.format("%d.%d.%d.%d", b:byte(13, 16))
  end
  local g = {}
  for i = 1, 16, 2 do g[#g + 1] = string.format("%x", b:byte(i) * 256 + b:byte(i + 1)) end
  return table.concat(g, ":")
end

local Net = {}
Net.__index = Net

--- cidr(s) -> network with :contains(ip); "a.b.c.d/n", "x::/n" or a host
function M.cidr(s)
  local addr, len = s:match("^(.-)/(%d+)$")
  addr = addr or s
  local b, fam = M.parse(addr)
  if not b then return nil, "bad network: " .. s end
  local bits = tonumber(len) or (fam == "inet" and 32 or 128)
  if fam == "inet" then
    if bits > 32 then return nil, "prefix longer than 32: " .. s end
    bits = bits + 96
  elseif bits > 128 then
    return nil, "prefix longer than 128: " .. s
  end
  return setmetatable({ addr = b, bits = bits }, Net)
end

--- net:contains(ip) -> whether ip (text or 16 bytes) is in the network
function Net:contains(a)
  if #a ~= 16 or a:find("[.:]") then a = M.parse(a) end
  if not a then return false end
  local full = self.bits // 8
  if a:sub(1, full) ~= self.addr:sub(1, full) then return false end
  local rem = self.bits % 8
  if rem == 0 then return true end
  local mask = (0xff << (8 - rem)) & 0xff
  return (a:byte(full + 1) & mask) == (self.addr:byte(full + 1) & mask)
end

--- match(ip, list) -> the first entry of list (networks or text) holding ip
function M.match(a, list)
  for _, entry in ipairs(list) do
    local net = type(entry) == "table" and entry or M.cidr(entry)
    if net and net:contains(a) then return entry end
  end
  return nil
end

return M
