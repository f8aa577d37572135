-- Who may connect (issue 9, item 3): a unix socket is mode 0660 by
-- default, and socket_group gives it to a group other than the process's
-- own.  A local user outside that group is refused; a member gets through.
-- conf: socket_group = mail
-- expect-log: mode 0660, group mail
local lib = dofile(srcdir .. "/lib.lua")

-- sh - run a shell command, its output and whether it succeeded
local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  return out, ok
end

-- as_nobody - one message through t/tools/rawmilter as user nobody, with
-- the supplementary groups given (setpriv); its output
local function as_nobody(groups)
  local input = tmpdir .. "/raw.in"
  local f = assert(io.open(input, "w"))
  f:write("connect client.example inet 25 192.0.2.1\nhelo h\nmail <a@x>\n",
          "rcpt <b@x>\neom\n")
  f:close()
  os.execute("chmod 644 '" .. input .. "'")
  return (sh(string.format(
    "setpriv --reuid=nobody --regid=nogroup %s '%s/../tools/rawmilter' -t 10 '%s' < '%s'",
    groups, srcdir, socket, input)))
end

lib.run(function()
  local path = socket:gsub("^unix:", "")
  local mode = sh("stat -c '%a %G' '" .. path .. "'"):gsub("%s+$", "")
  lib.check(mode == "660 mail", "socket is 660 and group mail, got " .. mode)
  local uid = sh("id -u"):gsub("%s+$", "")
  if uid ~= "0" then return end     -- the rest needs root (setpriv)
  os.execute("chmod 755 '" .. tmpdir .. "'")   -- only the socket decides
  local who = sh("ps -o user= -o group= -p " .. pid):gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")
  lib.check(who == "root root", "the process keeps its own group, got " .. who)
  local out = as_nobody("--clear-groups")
  lib.check(out:find("Permission denied", 1, true),
    "a user outside group mail cannot connect; rawmilter said:\n" .. out)
  out = as_nobody("--groups=mail")
  lib.check(out:find("eom continue", 1, true),
    "a member of group mail passes mail; rawmilter said:\n" .. out)
  -- started as a user outside that group, luamilter cannot give the
  -- socket away: it says so and exits 1, leaving no socket behind
  local conf = tmpdir .. "/nobody.conf"
  local f = assert(io.open(conf, "w"))
  f:write("socket = unix:", tmpdir, "/nobody.sock\nscript = ", tmpdir,
          "/policy.lua\nsocket_group = mail\n")
  f:close()
  os.execute("chmod 644 '" .. conf .. "' '" .. tmpdir .. "/policy.lua'; chmod 777 '" .. tmpdir .. "'")
  local text, ok = sh(string.format(
    "setpriv --reuid=nobody --regid=nogroup --clear-groups timeout 10 '%s' -c '%s'", luamilter, conf))
  lib.check(not ok and text:find("cannot give it to group mail (socket_group): Operation not permitted", 1, true),
    "a non-member cannot give the socket to group mail, and says so:\n" .. text)
  lib.check(not os.execute("test -e '" .. tmpdir .. "/nobody.sock'"), "no socket left behind")
  os.execute("chmod 755 '" .. tmpdir .. "'")
  -- and the daemon's own test client (root) still gets through
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), "conninfo")
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "root passes mail")
  mt.disconnect(conn)
end)
