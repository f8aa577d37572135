-- milter.redis through the daemon (issue 11), against a private
-- redis-server on a unix socket: every reply type mapped as Redis's Lua
-- scripting maps it (status as a plain string), bytes kept, error replies
-- as nil, err; a pipeline in one round trip with per-command errors;
-- redis.eval through EVALSHA, falling back to EVAL after SCRIPT FLUSH;
-- refused commands raise, naming the command.
-- policy: policies/redis.lua
-- conf: redis = unix:@TMPDIR@/r.sock
local lib = dofile(srcdir .. "/lib.lua")
lib.run(function()
  lib.redis("start", "r")
  local function is(cmd, want)
    local got = lib.ask(cmd)
    lib.check(got == want, cmd .. ": got " .. tostring(got) .. ", expected " .. want)
  end
  is("configured", "true")
  is("call:SET k v", "sOK")
  is("call:GET k", "sv")
  is("call:GET missing", "false")
  is("call:SET z a\\0b", "sOK")
  is("call:GET z", "sa\\0b")
  is("call:STRLEN z", "i3")
  is("call:INCR n", "i1")
  is("call:INCRBY n 41", "i42")
  is("call:RPUSH l a b c", "i3")
  is("call:LRANGE l 0 -1", "{sa,sb,sc}")
  is("call:LRANGE none 0 -1", "{}")
  is("call:LPUSH k x", "nil WRONGTYPE Operation against a key holding the wrong kind of value")
  is("call:NOSUCHCOMMAND", "nil ERR unknown command 'NOSUCHCOMMAND', with args beginning with: ")
  is("eval:return {1, {2, 'x'}, redis.status_reply('FINE'), false}",
    "{i1,{i2,sx},sFINE,false}")
  is("eval:return {KEYS[1], ARGV[1]}", "{sk1,sa1}")
  is("eval:return redis.error_reply('MY failure')", "nil MY failure")
  is("pipe:INCR p|LPUSH k x|GET p", "{i1,{err=sWRONGTYPE Operation against a key holding the wrong kind of value},s1}")
  local sha = lib.redis_cli("r", "SCRIPT LOAD \"return 'cached'\""):match("%x+")
  lib.redis_cli("r", "SCRIPT FLUSH")
  lib.check(lib.redis_cli("r", "SCRIPT EXISTS " .. sha):match("0"), "flushed")
  is("eval:return 'cached'", "scached")
  lib.check(lib.redis_cli("r", "SCRIPT EXISTS " .. sha):match("1"),
    "EVAL after NOSCRIPT loaded the script again")
  is("eval:return 'cached'", "scached")
  local stats = lib.redis_cli("r", "INFO commandstats")
  lib.check(stats:find("cmdstat_evalsha:calls=5,", 1, true) and stats:find("cmdstat_eval:calls=4,", 1, true),
    "EVALSHA was tried first each time, EVAL after NOSCRIPT only:\n" .. stats)
  for _, c in ipairs({ "KEYS *", "FLUSHALL", "CONFIG GET x", "BLPOP l 0",
      "SUBSCRIBE c", "MONITOR", "DEBUG SLEEP 1", "SHUTDOWN", "CLIENT LIST" }) do
    local got = lib.ask("raises:" .. c)
    lib.check(got:find("^true ") and got:find(c:match("^%S+"), 1, true),
      c .. " raises naming it: " .. tostring(got))
  end
end)
