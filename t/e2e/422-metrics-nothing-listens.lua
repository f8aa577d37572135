-- Without http_listen nothing but the milter socket listens: the daemon
-- holds no listening TCP socket and one listening unix socket.
-- expect-log: starting
local lib = dofile(srcdir .. "/lib.lua")

-- listening sockets of the daemon: tcp (v4 and v6) and unix
local function listeners()
  local p = assert(io.popen(string.format([[
inodes=$(ls -l /proc/%d/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p')
tcp=0; unix=0
for i in $inodes; do
  awk -v i="$i" '$10 == i && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp /proc/net/tcp6 && tcp=$((tcp + 1))
  awk -v i="$i" '$7 == i && $4 == "00010000" { f = 1 } END { exit !f }' /proc/net/unix && unix=$((unix + 1))
done
echo "$tcp $unix"]], pid)))
  local out = p:read("a")
  p:close()
  local tcp, unix = out:match("(%d+) (%d+)")
  return tonumber(tcp), tonumber(unix)
end

lib.run(function()
  lib.connect()                       -- it is up
  local tcp, unix = listeners()
  lib.check(tcp == 0, "no TCP listener, found " .. tostring(tcp))
  lib.check(unix == 1, "only the milter socket, found " .. tostring(unix))
  lib.check(not lib.log():find("http: serving", 1, true), "no HTTP listener logged")
end)
