-- metrics_file (relative to the config file) is rewritten every
-- metrics_file_interval by rename (a new inode each time, never a
-- partial file), and promtool finds it clean; no listener is needed.
-- conf: metrics_file = luamilter.prom
-- conf: metrics_file_interval = 0.2
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")
local file = tmpdir .. "/luamilter.prom"

-- the inode of the file, or nil
local function inode()
  local p = assert(io.popen("stat -c %i '" .. file .. "' 2>/dev/null"))
  local i = tonumber(p:read("a"))
  p:close()
  return i
end

lib.run(function()
  local first
  for _ = 1, 200 do
    first = inode()
    if first then break end
    mt.sleep(0.05)
  end
  lib.check(first, "the metrics file appears")
  local text = lib.slurp(file)
  M.check_promtool(text, "the metrics file")
  lib.check(text:find("\nluamilter_connections_total ", 1, true), "it has the metrics")
  local again
  for _ = 1, 200 do
    again = inode()
    if again and again ~= first then break end
    mt.sleep(0.05)
  end
  lib.check(again and again ~= first, "rewritten by rename")
  lib.check(not os.execute("test -e '" .. file .. ".tmp' && sleep 0.5 && test -e '" .. file .. ".tmp'"),
    "no temporary file left behind")
  lib.check(not lib.log():find("http: serving", 1, true), "no listener")
end)
