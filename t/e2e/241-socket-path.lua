-- Socket paths and config mistakes (issue 9, item 15): a unix socket path
-- may use all 107 bytes bind(2) takes, one byte more is refused by -t with
-- a clear message, as are a relative path and a key set twice; a second
-- luamilter on a socket the first still listens on exits 1 and the first
-- goes on serving.
local lib = dofile(srcdir .. "/lib.lua")

-- write_conf - a config file name.conf in tmpdir with these lines
local function write_conf(name, lines)
  local conf = tmpdir .. "/" .. name .. ".conf"
  local f = assert(io.open(conf, "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
  return conf
end

-- run - run luamilter with args (at most 10 s); its exit code and output
local function run(args)
  local out = tmpdir .. "/run.out"
  local ok, how, code = os.execute(string.format("timeout 10 '%s' %s >'%s' 2>&1",
    luamilter, args, out))
  local f = assert(io.open(out, "rb"))
  local text = f:read("a")
  f:close()
  return ok and 0 or code, text, how
end

-- one_message - a whole message through spec, answered CONTINUE
local function one_message(spec, what)
  local conn = mt.connect(spec, 100, 0.05)
  lib.check(conn ~= nil, what .. ": connects")
  lib.step(mt.conninfo(conn, "c", "192.0.2.1"), what .. ": conninfo")
  lib.step(mt.mailfrom(conn, "<a@x>"), what .. ": mailfrom")
  lib.step(mt.rcptto(conn, "<b@x>"), what .. ": rcpt")
  lib.step(mt.eom(conn), what .. ": eom")
  lib.reply(conn, SMFIR_CONTINUE, what .. ": mail flows")
  mt.disconnect(conn)
end

lib.run(function()
  local script = "script = " .. tmpdir .. "/policy.lua"
  -- a directory whose socket path is exactly 107 bytes long
  local dir = tmpdir .. "/" .. string.rep("d", 107 - #tmpdir - #"//m.sock")
  local long = dir .. "/m.sock"
  lib.check(#long == 107, "path of 107 bytes, got " .. #long)
  assert(os.execute("mkdir '" .. dir .. "'"))
  local conf = write_conf("long", { "socket = unix:" .. long, script, "allow_root = yes" })
  local code, text = run("-t -c '" .. conf .. "'")
  lib.check(code == 0, "-t accepts a 107-byte socket path: " .. text)
  local p = io.popen(string.format("'%s' -c '%s' >'%s/long.log' 2>&1 & echo $!",
    luamilter, conf, tmpdir))
  local child = p:read("l")
  p:close()
  one_message("unix:" .. long, "107-byte socket path")
  os.execute("kill -TERM " .. child)

  conf = write_conf("longer", { "socket = unix:" .. long .. "x", script })
  code, text = run("-t -c '" .. conf .. "'")
  lib.check(code == 1 and text:find("longer than 107 bytes", 1, true),
    "-t refuses 108 bytes, saying why: " .. text)

  conf = write_conf("relative", { "socket = unix:run/m.sock", script })
  code, text = run("-t -c '" .. conf .. "'")
  lib.check(code == 1 and text:find(conf .. ":1: socket: socket 'unix:run/m.sock': the path must be absolute", 1, true),
    "-t refuses a relative unix path: " .. text)

  conf = write_conf("twice", { script, "# comment", "on_error = reject", "on_error = accept" })
  code, text = run("-t -c '" .. conf .. "'")
  lib.check(code == 1 and text:find(conf .. ":4: on_error: already set at line 3", 1, true),
    "-t refuses a key set twice, naming both lines: " .. text)

  -- a second luamilter on the socket the first listens on
  conf = write_conf("second", { "socket = " .. socket, script, "allow_root = yes" })
  code, text = run("-c '" .. conf .. "'")
  lib.check(code == 1 and text:find("another process is listening on it", 1, true),
    "a second luamilter on a live socket exits 1, saying why: " .. text)
  one_message(socket, "the first luamilter after the second gave up")
end)
