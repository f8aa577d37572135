-- In-policy test vectors and milter.core reach no file outside the script's
-- directory: a test's `file` that is absolute, climbs out with '..', or is a
-- symlink leading out is refused with an error naming the test and the
-- path; a FIFO or an oversized file is refused without hanging; milter.core
-- is not reachable from the policy; and with 'user' set, the policy's own
-- tests (-t, daemon start, SIGHUP) run after the privilege drop, so what a
-- policy granted io reads in its tests is what it could read live.  Neither
-- a root-only file (mode 0600, outside the script's directory) nor
-- /etc/shadow shows up in any output or log.
local lib = dofile(srcdir .. "/lib.lua")

local secret = tmpdir .. "/secret"              -- outside the script's dir
local dir = tmpdir .. "/vec"                    -- the script's directory
local marker = string.format("SECRET-%d-%d", os.time(), math.random(1e9))

local sh, write, slurp = lib.sh, lib.write, lib.slurp

-- run: a command's exit status and its output (stdout and stderr)
local function run(cmd)
  local out = tmpdir .. "/run.out"
  local _, _, code = os.execute(cmd .. " >'" .. out .. "' 2>&1")
  return code, slurp(out)
end

-- clean: text holds none of the secret file's or /etc/shadow's bytes
local shadow_line = slurp("/etc/shadow"):match("^[^\n]+")
-- (checked first, and the text is then not shown, so that a failure does
-- not print the secret)
local function clean(text, what)
  lib.check(not text:find(marker, 1, true), what .. " holds the root-only file's bytes")
  lib.check(shadow_line == nil or not text:find(shadow_line, 1, true),
    what .. " holds /etc/shadow's bytes")
end

-- has: check that text contains every piece
local function has(text, what, ...)
  for _, piece in ipairs({ ... }) do
    lib.check(text:find(piece, 1, true), what .. ": output lacks '" .. piece
      .. "' in:\n" .. text)
  end
end

-- policy(tests) writes dir/policy.lua; its eom echoes whatever the message,
-- the io library (when granted), milter.core (when reachable) and a leaked
-- test context give it, into the log and into a reply no test expects
local function policy(tests)
  write(dir .. "/policy.lua", [[
local milter = require "milter"
local P = milter.Base:extend()
local SECRET = ]] .. string.format("%q", secret) .. [[

-- a milter.test context leaked to the policy (it can wrap the global
-- setmetatable the test runner calls) still reads nothing outside
local grabbed
local plain_setmetatable = setmetatable
setmetatable = function(t, mt)
  if type(t) == "table" and rawget(t, "ctx") ~= nil then grabbed = t end
  return plain_setmetatable(t, mt)
end
function P:header(n, v) self.seen = (self.seen or "") .. n .. ": " .. v .. " " end
function P:body(b) self.seen = (self.seen or "") .. b end
function P:eom()
  local got = { self.seen or "" }
  if package.loaded["milter.core"] ~= nil then got[#got + 1] = "core in package.loaded" end
  local ok, core = pcall(require, "milter.core")
  if ok and type(core) == "table" then
    local _, bytes = pcall(core.read_file, SECRET)
    got[#got + 1] = "core: " .. tostring(bytes)
  else
    got[#got + 1] = "core unreachable"
  end
  if grabbed and not grabbed.busy then
    grabbed.busy = true
    local okm, err = pcall(grabbed.message, grabbed, { file = "../secret" },
      { rcpt = { "<b@example.org>" } })
    got[#got + 1] = "ctx: " .. (okm and "read it" or tostring(err))
    grabbed.busy = nil
  elseif not grabbed then
    got[#got + 1] = "no test context reachable"
  end
  local okio, iolib = pcall(function() return io end)
  if okio and iolib then
    local f, err = iolib.open(SECRET, "rb")
    got[#got + 1] = "io: " .. (f and f:read("a") or tostring(err))
  end
  local text = table.concat(got, " / ")
  self:log("seen " .. text)
  self:setreply("550", "5.7.1", (text:gsub("[%c%%]", " ")))
  return milter.REJECT
end
P.tests = {
]] .. tests .. [[
}
return P
]])
end

-- config: write tmpdir/NAME.conf for the policy; returns its path
local function config(name, extra)
  local conf = tmpdir .. "/" .. name .. ".conf"
  write(conf, "socket = unix:" .. dir .. "/" .. name .. ".sock\n" ..
    "script = " .. dir .. "/policy.lua\nlog_level = info\n" ..
    -- as root, -t fails as the start would without 'user' (issue 9, 14)
    ((extra or ""):find("user =", 1, true) and "" or "allow_root = yes\n") ..
    (extra or ""))
  return conf
end

local escapes = [[
  { name = "absolute", file = ]] .. string.format("%q", secret) .. [[, rcpt = { "<b@example.org>" }, expect = { reply = "never" } },
  { name = "dotdot", file = "../secret", rcpt = { "<b@example.org>" }, expect = { reply = "never" } },
  { name = "symlink", file = "link.eml", rcpt = { "<b@example.org>" }, expect = { reply = "never" } },
  { name = "shadow", file = "/etc/shadow", rcpt = { "<b@example.org>" }, expect = { reply = "never" } },
  { name = "shadowup", file = "../../../../../../../etc/shadow", rcpt = { "<b@example.org>" }, expect = { reply = "never" } },
]]
local echo = [[
  { name = "core", message = "Subject: hi\r\n\r\nbody\r\n", rcpt = { "<b@example.org>" }, expect = { reply = "never" } },
]]
local odd = [[
  { name = "fifo", file = "fifo", rcpt = { "<b@example.org>" }, expect = { reply = "never" } },
  { name = "big", file = "big.eml", rcpt = { "<b@example.org>" }, expect = { reply = "never" } },
  { name = "directory", file = "sub", rcpt = { "<b@example.org>" }, expect = { reply = "never" } },
]]
local inside = [[
  { name = "inside", file = "sub/../ok.eml", rcpt = { "<b@example.org>" }, expect = { result = "rejected" } },
]]

lib.run(function()
  sh("chmod 0711 '" .. tmpdir .. "'")          -- nobody may pass through
  write(secret, "X-Leak: " .. marker .. "\r\n\r\n" .. marker .. "\r\n")
  sh("chmod 0600 '" .. secret .. "'")
  sh("mkdir -m 0755 '" .. dir .. "' '" .. dir .. "/sub'")
  write(dir .. "/ok.eml", "Subject: fine\r\n\r\nfine\r\n")
  sh("chmod 0644 '" .. dir .. "/ok.eml'")
  sh("ln -s ../secret '" .. dir .. "/link.eml'")
  sh("mkfifo '" .. dir .. "/fifo'")
  sh("truncate -s 65M '" .. dir .. "/big.eml'")
  local as_root = slurp("/proc/self/status"):match("\nUid:%s+0%s") ~= nil

  -- luamilter -t: every way out is refused and named
  policy(escapes .. echo .. odd .. inside)
  local code, out = run("timeout 60 '" .. luamilter .. "' -t -c '" ..
    config("check") .. "'")
  clean(out, "-t output")
  lib.check(code == 1, "-t exits 1 on the refused test files, got " ..
    tostring(code) .. " (124: it hung)\n" .. out)
  has(out, "-t", "9 of 10 policy tests failed",
    "test absolute: FAILED: test file '" .. secret .. "': ",
    "test dotdot: FAILED: test file '../secret': ",
    "test symlink: FAILED: test file 'link.eml': ",
    "test shadow: FAILED: test file '/etc/shadow': ",
    "test shadowup: FAILED: test file '../../../../../../../etc/shadow': ",
    "outside the script's directory",
    "core unreachable",
    "no test context reachable",
    "test fifo: FAILED: test file 'fifo': not a regular file",
    "test directory: FAILED: test file 'sub': not a regular file",
    "test big: FAILED: test file 'big.eml': larger than 64 MiB",
    "test inside: ok")
  lib.check(not out:find("core in package.loaded", 1, true),
    "milter.core is in the check state's package.loaded:\n" .. out)
  lib.check(not out:find("ctx: ", 1, true),
    "the policy reached a milter.test context:\n" .. out)

  if not as_root then return end               -- the rest drops root

  -- -t with user = nobody: the tests run as nobody, so io cannot read
  -- the root-only file either
  local drop = "user = nobody\ngroup = nogroup\nlua_allow = io\n"
  policy(echo)
  code, out = run("timeout 60 '" .. luamilter .. "' -t -c '" ..
    config("checkdrop", drop) .. "'")
  clean(out, "-t output with user = nobody")
  lib.check(code == 1, "-t as nobody exits 1, got " .. tostring(code) .. "\n" .. out)
  has(out, "-t as nobody", "test core: FAILED", "io: " .. secret .. ": Permission denied")

  -- daemon start with user = nobody: the start-up check runs as nobody
  policy(escapes .. echo)
  local text
  code, text = run("timeout 60 '" .. luamilter .. "' -c '" ..
    config("start", drop) .. "'")
  clean(text, "the daemon's start-up log")
  lib.check(code == 1, "the daemon refuses a policy whose tests fail, exit " ..
    tostring(code) .. "\n" .. text)
  has(text, "daemon start", "io: " .. secret .. ": Permission denied",
    "test dotdot: FAILED: test file '../secret': ", "outside the script's directory")

  -- a policy whose tests stay inside starts as nobody; a reload to one
  -- that climbs out is refused without a leak
  policy(inside)
  local log = tmpdir .. "/serve.log"
  local p = io.popen("timeout 120 '" .. luamilter .. "' -c '" ..
    config("serve", drop) .. "' >'" .. log .. "' 2>&1 & echo $!")
  local child = p:read("l")
  p:close()
  local conn = mt.connect("unix:" .. dir .. "/serve.sock", 200, 0.05)
  clean(slurp(log), "the start-up log")
  lib.check(conn ~= nil, "a policy whose tests stay inside starts as nobody:\n" .. slurp(log))
  mt.disconnect(conn)
  policy(escapes .. echo)
  os.execute("kill -HUP " .. child)
  local deadline = os.time() + 30
  while not slurp(log):find("test dotdot: FAILED", 1, true) and os.time() < deadline do
    mt.sleep(0.1)
  end
  os.execute("kill -TERM " .. child)
  text = slurp(log)
  clean(text, "the log of a refused reload")
  has(text, "reload", "test dotdot: FAILED: test file '../secret': ",
    "io: " .. secret .. ": Permission denied")
end)
