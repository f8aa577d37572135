-- 060-hung-server: a Redis that stops answering (SIGSTOP) mid-run: every
-- call returns within redis_timeout (plus slack for a loaded machine), no
-- thread stays stuck, and the pool recovers by itself after SIGCONT
local lib = dofile("t/redis/lib.lua")
local U = os.getenv("REDIS_UNIX")
local TIMEOUT, SLACK = 0.25, 1.0

rtest.check("64 threads through a 2 s hang", function()
  rtest.setup{url = U, timeout = tostring(TIMEOUT), connections = "16"}
  assert(rtest.admin(U, "DEL", "hung"))
  local h = rtest.spawn(64, [[
    local i, run_for = ...
    local stop = rtest.now() + tonumber(run_for)
    local r = {worst = 0, ok = 0, failed = 0, last_ok = 0, errors = {}}
    while rtest.now() < stop do
      local t0 = rtest.now()
      local v, err = redis.call("INCR", "hung")
      local took = rtest.now() - t0
      if took > r.worst then r.worst = took end
      if v then
        r.ok, r.last_ok = r.ok + 1, rtest.now()
      else
        r.failed = r.failed + 1
        local word = err:match("^%a+")
        r.errors[word] = (r.errors[word] or 0) + 1
      end
      rtest.sleep(0.01)
    end
    return r
  ]], 6)
  rtest.sleep(1)
  lib.ctl("pause", "plain")
  local stopped = rtest.now()
  rtest.sleep(2)
  lib.ctl("resume", "plain")
  local resumed = rtest.now()
  local res = h:join(30)          -- raises if a thread is stuck
  local worst, failed, words = 0, 0, {}
  for i, r in ipairs(res) do
    assert(not r.error, r.error)
    if r.worst > worst then worst = r.worst end
    failed = failed + r.failed
    for w, n in pairs(r.errors) do words[w] = (words[w] or 0) + n end
    assert(r.last_ok > resumed, "thread " .. i .. " did not recover")
  end
  print(string.format("# worst call %.3f s (bound %.2f), %d failed calls: %s",
                      worst, TIMEOUT + SLACK, failed, lib.show(words)))
  assert(failed > 0, "the hang went unnoticed")
  assert(worst <= TIMEOUT + SLACK, "a call took " .. worst .. " s")
  for w in pairs(words) do
    assert(w == "timeout" or w == "connection", "unexpected error " .. w)
  end
  local st = rtest.stats()
  print("# pool: " .. lib.show(st))
  assert(not st.down and st.peak_open <= 16, lib.show(st))
  assert(rtest.now() - stopped < 30)
end)
