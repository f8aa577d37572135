-- 050-pool-limit: redis_connections honoured under 64 concurrent users,
-- connections reused, never one per user
local lib = dofile("t/redis/lib.lua")
local U = os.getenv("REDIS_UNIX")

rtest.check("64 threads, redis_connections = 16", function()
  rtest.setup{url = U, timeout = "5", connections = "16"}
  assert(rtest.admin(U, "DEL", "hits"))
  local base = tonumber(lib.info(U, "clients", "connected_clients"))
  local h = rtest.spawn(64, [[
    local i = ...
    local fails = {}
    for n = 1, 300 do
      local v, err = redis.call("INCR", "hits")
      if not v then fails[#fails + 1] = err end
      if n % 50 == 0 then redis.pipeline{{"INCR", "hits"}, {"DECR", "hits"}} end
    end
    return {fails = #fails, first = fails[1]}
  ]])
  local peak = 0
  for _ = 1, 40 do
    local n = tonumber(lib.info(U, "clients", "connected_clients"))
    if n - base > peak then peak = n - base end
    rtest.sleep(0.02)
  end
  local res = h:join(120)
  for i, r in ipairs(res) do
    assert(not r.error, r.error)
    assert(r.fails == 0, "thread " .. i .. ": " .. tostring(r.first))
  end
  local hits = tonumber(rtest.admin(U, "GET", "hits"))
  assert(hits == 64 * 300, hits)
  local st = rtest.stats()
  assert(st.peak_open <= 16, "pool opened " .. st.peak_open)
  assert(st.connects <= 16, "connected " .. st.connects .. " times")
  assert(peak <= 16, "the server saw " .. peak .. " connections")
  -- the idle pool stays open for the next calls
  local now = tonumber(lib.info(U, "clients", "connected_clients")) - base
  assert(now == st.open and now >= 1, now .. " vs " .. st.open)
  print("# peak connections seen by the server: " .. peak ..
        ", pool peak " .. st.peak_open .. ", connects " .. st.connects)
end)

rtest.check("CLIENT LIST names no more than the pool", function()
  local list = assert(rtest.admin(U, "CLIENT", "LIST"))
  local n = 0
  for line in list:gmatch("[^\n]+") do
    if not line:find("cmd=client", 1, true) then n = n + 1 end
  end
  assert(n <= 16, n .. " clients")
end)
