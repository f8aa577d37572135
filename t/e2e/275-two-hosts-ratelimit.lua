-- Two hosts, one Redis (issue 11): ratelimit.lua (3 messages per client
-- IP per minute) on two daemons sharing a Redis counts the messages of
-- both: two through the first and one through the second pass, the fourth
-- (through either) gets 451 4.7.1 at MAIL FROM.
-- policy: ../../lua/examples/ratelimit.lua
-- policy-edit: s/^Policy.per_ip = 30 /Policy.per_ip = 3 /
-- policy-edit: s/^Policy.tests = {/Policy.tests = nil and {/
-- conf: redis = unix:@TMPDIR@/r.sock
local lib = dofile(srcdir .. "/lib.lua")

local function mail(sock, ip) return (lib.envelope(ip, nil, sock)) end

lib.run(function()
  lib.redis("start", "r")
  local other = lib.start_daemon("second", {
    "script = " .. tmpdir .. "/policy.lua",
    "redis = unix:" .. tmpdir .. "/r.sock" })
  lib.check(mail(socket, "192.0.2.7") == SMFIR_CONTINUE, "1st, first host")
  lib.check(mail(socket, "192.0.2.7") == SMFIR_CONTINUE, "2nd, first host")
  lib.check(mail(other, "192.0.2.7") == SMFIR_CONTINUE, "3rd, second host")
  local r = mail(other, "192.0.2.7")
  lib.check(lib.deferred(r), "4th, second host: over the limit")
  r = mail(socket, "192.0.2.7")
  lib.check(lib.deferred(r), "5th, first host: over the limit")
  lib.check(mail(other, "192.0.2.8") == SMFIR_CONTINUE, "another client is counted apart")
  local ttl = tonumber(lib.redis_cli("r", "TTL rl:ip:192.0.2.7"):match("%-?%d+"))
  lib.check(ttl and ttl > 0 and ttl <= 60, "the counter expires with its window: TTL " .. tostring(ttl))
end)
