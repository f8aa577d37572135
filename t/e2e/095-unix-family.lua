-- Unix-family connect info (miltertest cannot send it: t/tools/rawmilter does).
-- policy: policies/connect-echo.lua
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  local tool = srcdir .. "/../tools/rawmilter"
  local input = tmpdir .. "/raw.in"
  local f = assert(io.open(input, "w"))
  f:write("connect client.example unix 0 /run/client.sock\n",
          "helo h\nmail <a@x>\nrcpt <b@x>\nheader Subject x\neoh\nbody hi\\r\\n\neom\n")
  f:close()
  local p = assert(io.popen(string.format("'%s' '%s' < '%s' 2>&1", tool, socket, input)))
  local out = p:read("a")
  p:close()
  lib.check(out:find("addheader X-Connect client.example|unix|/run/client.sock", 1, true),
    "unix family and socket path reach connect(); rawmilter said:\n" .. out)
  lib.check(out:find("eom continue", 1, true), "eom continues; got:\n" .. out)
end)
