-- Each callback reaches Lua with the right arguments: IPv4, IPv6 and
-- unknown-family connect info, ESMTP parameters, folded and 8-bit headers,
-- a body with NUL bytes, unknown commands, macros.
-- policy: policies/echo-all.lua
local lib = dofile(srcdir .. "/lib.lua")

-- message: one full message; returns the conn after eom
local function message(conn, body_file)
  lib.step(mt.mailfrom(conn, "<a@example.com>", "SIZE=1234", "BODY=8BITMIME"), "mailfrom")
  lib.step(mt.rcptto(conn, "<b@example.org>", "NOTIFY=SUCCESS,FAILURE"), "rcptto")
  lib.step(mt.rcptto(conn, "<c@example.org>"), "rcptto 2")
  lib.step(mt.data(conn), "data")
  lib.step(mt.header(conn, "Subject", "first line\n\tsecond line"), "folded header")
  lib.step(mt.header(conn, "X-Eight", "caf\xe9 \xff"), "8-bit header")
  lib.step(mt.eoh(conn), "eoh")
  if body_file then
    lib.step(mt.bodyfile(conn, body_file), "bodyfile")
  else
    lib.step(mt.bodystring(conn, "hello\r\n"), "body")
  end
  lib.step(mt.eom(conn), "eom")
  lib.reply(conn, SMFIR_CONTINUE, "eom")
end

local function has(conn, name, value)
  lib.check(mt.eom_check(conn, MT_HDRADD, name, value),
    name .. " should be " .. value .. ", got " .. tostring(mt.getheader(conn, name, 0)))
end

lib.run(function()
  -- IPv4, macros, unknown command, body with NULs
  local body = tmpdir .. "/body.bin"
  local f = assert(io.open(body, "wb"))
  f:write("a\0b\0\r\nend\r\n")
  f:close()
  local conn = lib.connect()
  mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.net", "{daemon_name}", "smtpd-test")
  lib.step(mt.conninfo(conn, "client.example.com", "192.0.2.17"), "conninfo v4")
  lib.step(mt.helo(conn, "helo.example.com"), "helo")
  lib.step(mt.unknown(conn, "XFROBNICATE now"), "unknown")
  message(conn, body)
  has(conn, "X-Echo-Connect", "client.example.com|inet|192.0.2.17|integer")
  has(conn, "X-Echo-Helo", "helo.example.com")
  has(conn, "X-Echo-From", "<a@example.com>|SIZE=1234|BODY=8BITMIME")
  has(conn, "X-Echo-Rcpt", "<b@example.org>|NOTIFY=SUCCESS,FAILURE;<c@example.org>")
  has(conn, "X-Echo-Data", "yes")
  has(conn, "X-Echo-Headers", "Subject=first line\\010\\009second line;X-Eight=caf\\233 \\255;")
  has(conn, "X-Echo-Eoh", "yes")
  has(conn, "X-Echo-Body", "11:a\\000b\\000\\013\\010end\\013\\010")
  has(conn, "X-Echo-Unknown", "XFROBNICATE now")
  has(conn, "X-Echo-Macro-J", "mx.example.net")
  has(conn, "X-Echo-Macro-Daemon", "smtpd-test")
  mt.disconnect(conn)

  -- IPv6
  conn = lib.connect()
  lib.step(mt.conninfo(conn, "v6.example.com", "2001:db8::25"), "conninfo v6")
  message(conn)
  has(conn, "X-Echo-Connect", "v6.example.com|inet6|2001:db8::25|integer")
  mt.disconnect(conn)

  -- unknown family: hostaddr is nil
  conn = lib.connect()
  lib.step(mt.conninfo(conn, "mystery", "unspec"), "conninfo unspec")
  message(conn)
  has(conn, "X-Echo-Connect", "mystery|unknown|nil")
  mt.disconnect(conn)
end)
