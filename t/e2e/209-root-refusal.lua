-- Started as root with no 'user', luamilter refuses to run (exit 1, a log
-- line naming 'user' and 'allow_root', no socket left behind) unless the
-- config says allow_root = yes; then it serves.  Run as another user, the
-- refusal does not apply.
local lib = dofile(srcdir .. "/lib.lua")

-- write a config of its own for a luamilter named name; returns its paths
local function config(name, extra)
  local conf, sock = tmpdir .. "/" .. name .. ".conf", tmpdir .. "/" .. name .. ".sock"
  local f = assert(io.open(conf, "w"))
  f:write("socket = unix:", sock, "\nscript = ", tmpdir, "/policy.lua\n", extra)
  f:close()
  return conf, sock, tmpdir .. "/" .. name .. ".log"
end

-- start luamilter on conf in the background, pass one message, stop it
local function serves(name, extra)
  local conf, sock, log = config(name, extra)
  local p = io.popen(string.format("'%s' -c '%s' >'%s' 2>&1 & echo $!", luamilter, conf, log))
  local child = p:read("l")
  p:close()
  local conn = mt.connect("unix:" .. sock, 100, 0.05)
  lib.check(conn ~= nil, name .. ": luamilter starts and listens")
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), name .. ": conninfo")
  lib.step(mt.eom(conn), name .. ": eom")
  lib.reply(conn, SMFIR_CONTINUE, name .. ": mail flows")
  mt.disconnect(conn)
  os.execute("kill -TERM " .. child)
end

lib.run(function()
  local p = io.popen("id -u")
  local root = p:read("l") == "0"
  p:close()
  if root then
    local conf, sock, log = config("refused", "allow_root = no\n")
    local ok, how, code = os.execute(string.format(
      "timeout 10 '%s' -c '%s' >'%s' 2>&1", luamilter, conf, log))
    lib.check(not ok and how == "exit" and code == 1,
      "as root without user: exit status 1, got " .. tostring(how) .. " " .. tostring(code))
    lib.check(not os.execute("test -e '" .. sock .. "'"), "no socket left behind")
    local f = assert(io.open(log, "rb"))
    local text = f:read("a")
    f:close()
    lib.check(text:find("error: refusing to run as root", 1, true) and
      text:find("'user'", 1, true) and text:find("allow_root = yes", 1, true),
      "the log names 'user' and 'allow_root = yes', got: " .. text)
    serves("allowed", "allow_root = yes\n")
  else
    serves("unprivileged", "allow_root = no\n")
  end
end)
