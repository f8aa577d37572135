-- The module search path comes from the config alone: a policy cannot
-- change package.path (or cpath, or the searchers) to make require load a
-- root-only file or a module outside lua_path, a rawset on its package
-- table does not reach require, and package.searchpath probes nothing
-- outside the configured path.  Checked at luamilter -t, at daemon start
-- (as root, allow_root = yes) and in a live connection's state.
local lib = dofile(srcdir .. "/lib.lua")

local private = tmpdir .. "/private"            -- root-only, not on lua_path
local sys = tmpdir .. "/sys"                    -- readable, not on lua_path
local dir = tmpdir .. "/vec"                    -- the script's directory
local marker = string.format("CREDS-%d-%d", os.time(), math.random(1e9))

local sh, write, slurp = lib.sh, lib.write, lib.slurp

-- count: how many times piece occurs in text
local function count(text, piece)
  local n, at = 0, 1
  while true do
    local s, e = text:find(piece, at, true)
    if not s then return n end
    n, at = n + 1, e + 1
  end
end

-- frozen: what -t or the daemon printed shows every attempt refused
local function frozen(text, what)
  lib.check(not text:find(marker, 1, true), what .. ": a root-only module was loaded:\n" .. text)
  lib.check(not text:find("sysmod loaded", 1, true), what .. ": a module outside lua_path was loaded:\n" .. text)
  lib.check(not text:find("probe found", 1, true), what .. ": searchpath found a file outside the path:\n" .. text)
  for _, piece in ipairs({
    "path: refused: ", "'package.path' cannot be changed by a policy",
    "cpath: refused: ", "'package.cpath' cannot be changed",
    "searchers: refused: ", "'package.searchers[2]' cannot be changed",
    "rawset: refused: ", "module 'creds' not found",
    "probe: refused: ", "package.searchpath: a policy may search only",
    "shadow: refused: ", "sys: refused: ",
    "lib: ok",
  }) do
    lib.check(text:find(piece, 1, true), what .. ": output lacks '" .. piece .. "' in:\n" .. text)
  end
end

lib.run(function()
  sh("mkdir -m 0700 '" .. private .. "'")
  write(private .. "/creds.lua", "return '" .. marker .. "'\n")
  sh("chmod 0600 '" .. private .. "/creds.lua'")
  sh("mkdir -m 0755 '" .. sys .. "' '" .. dir .. "'")
  write(sys .. "/sysmod.lua", "return 'sysmod loaded'\n")
  write(dir .. "/policy.lua", [[
local milter = require "milter"
local P = milter.Base:extend()
local PRIVATE, SYS = ]] .. string.format("%q, %q", private, sys) .. [[

local r = {}
local function try(what, f)
  local ok, v = pcall(f)
  r[#r + 1] = what .. ": " .. (ok and tostring(v) or ("refused: " .. tostring(v)))
end
try("path", function()
  package.path = PRIVATE .. "/?.lua;" .. package.path
  return require "creds"
end)
try("cpath", function() package.cpath = PRIVATE .. "/?.so" end)
try("searchers", function() package.searchers[2] = nil end)
try("rawset", function()
  rawset(package, "path", PRIVATE .. "/?.lua")
  return require "creds"
end)
try("probe", function()
  return "probe found " .. tostring(package.searchpath("creds", PRIVATE .. "/?.lua"))
end)
try("shadow", function()
  return "probe found " .. tostring(package.searchpath("shadow", "/etc/?"))
end)
try("sys", function()
  package.path = SYS .. "/?.lua"
  return require "sysmod"
end)
try("lib", function() return require("milter.addr") and "ok" end)
print("package: " .. table.concat(r, " | "))
function P:connect() return milter.ACCEPT end
return P
]])
  local conf = tmpdir .. "/frozen.conf"
  write(conf, "socket = unix:" .. dir .. "/frozen.sock\nscript = " .. dir ..
    "/policy.lua\nlog_level = info\nallow_root = yes\n")

  -- luamilter -t
  local out = tmpdir .. "/check.out"
  local _, _, code = os.execute("timeout 60 '" .. luamilter .. "' -t -c '" ..
    conf .. "' >'" .. out .. "' 2>&1")
  local text = slurp(out)
  lib.check(code == 0, "-t exits 0, got " .. tostring(code) .. "\n" .. text)
  frozen(text, "-t")

  -- daemon start, then a live connection
  local log = tmpdir .. "/frozen.log"
  local p = io.popen("timeout 120 '" .. luamilter .. "' -c '" .. conf ..
    "' >'" .. log .. "' 2>&1 & echo $!")
  local child = p:read("l")
  p:close()
  local conn = mt.connect("unix:" .. dir .. "/frozen.sock", 200, 0.05)
  lib.check(conn ~= nil, "the daemon starts:\n" .. slurp(log))
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.1"), "conninfo")
  lib.reply(conn, SMFIR_ACCEPT, "connect")
  mt.disconnect(conn)
  local deadline = os.time() + 30
  while count(slurp(log), "print: package:") < 2 and os.time() < deadline do
    mt.sleep(0.1)
  end
  os.execute("kill -TERM " .. child)
  text = slurp(log)
  lib.check(count(text, "print: package:") >= 2,
    "the start-up check and the connection both ran the policy:\n" .. text)
  frozen(text, "daemon")
end)
