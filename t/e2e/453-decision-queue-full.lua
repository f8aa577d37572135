-- A decision log that does not take records (a FIFO nobody reads: the
-- writer thread blocks in write) never stalls mail: the records queue up
-- to decision_log_queue, the rest are dropped and counted in
-- luamilter_decision_records_dropped_total, and every message is still
-- answered.  Once the FIFO is read, what was queued arrives: records
-- written plus dropped make every message, none twice.
-- policy: policies/decision.lua
-- conf: decision_log = decisions.fifo
-- conf: decision_log_queue = 64K
-- conf: http_listen = 127.0.0.1:0
-- setup: mkfifo decisions.fifo
-- setup: sh -c 'exec 3<>decisions.fifo; exec sleep 300' </dev/null >/dev/null 2>&1 & echo $! > holder.daemon.pid
local lib = dofile(srcdir .. "/lib.lua")
local D = dofile(srcdir .. "/decision-lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")

local N = 400

lib.run(function()
  local port = M.port()
  local conn = D.open("client.example", "192.0.2.7", "helo.example")
  for i = 1, N do
    local r = D.message(conn, "Q" .. i, { "<ok@x>" }, { { "Subject", "hi" } })
    lib.check(r == SMFIR_CONTINUE, "message " .. i .. " answered")
  end
  mt.disconnect(conn)
  local dropped = M.value(M.scrape(port), "luamilter_decision_records_dropped_total")
  lib.check(dropped ~= nil and dropped > 0, "records dropped and counted: " .. tostring(dropped))
  local drained = tmpdir .. "/drained.log"
  lib.sh(string.format("timeout 30 cat '%s/decisions.fifo' > '%s' 2>/dev/null &", tmpdir, drained))
  local deadline = os.time() + 30
  while D.lines(drained) + dropped < N and os.time() < deadline do mt.sleep(0.1) end
  mt.sleep(0.3)
  lib.check(D.lines(drained) + dropped == N, string.format(
    "%d written + %d dropped = %d messages", D.lines(drained), dropped, N))
  D.check_valid(drained)
  D.check("map(.qid) | (unique | length) == length", "no record twice", drained)
end)
