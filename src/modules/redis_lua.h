/*
 * redis_lua.h - the milter.redis Lua module.
 *
 *   local redis = require "milter.redis"
 *   redis.call(cmd, ...)          -> reply | nil, err
 *   redis.pipeline{{cmd, ...}, ...} -> {reply or {err = text}, ...} | nil, err
 *   redis.eval(script [, keys [, args]]) -> reply | nil, err  (EVALSHA,
 *                                    EVAL when the server says NOSCRIPT)
 *   redis.configured()            -> true when calls can reach a Redis
 *
 * Replies map as redis_reply.h says.  err is the server's error text
 * ("WRONGTYPE ..."), or starts with "timeout" or "connection", or is
 * "budget" (under 10 ms of the callback's time left: nothing sent) or
 * "reply too large"; misuse (a table as an argument, no command, a refused
 * command (redis_cmd.h), an unclosed MULTI in a pipeline) raises.  Every
 * call returns within min(redis_timeout, time_left less a tenth of it (at
 * least 5 ms), so that the policy can still act on a failure), waiting for
 * a pooled connection included.  Without a pool every call returns nil, "redis is
 * not configured"; in policy-test mode nothing reaches Redis: calls go to
 * the stub function when one is set (configured() is then true), else
 * return nil, "redis is not available in policy tests".
 *
 * What the daemon (the wiring) gives each Lua state, before the module is
 * required or at any time after (the module reads it at each call):
 *
 *   struct redis_lua_env env = { pool, policy_test, time_left, ud, count };
 *   redis_lua_setup(L, &env);          may raise (memory): call it where a
 *                                      Lua error is caught
 *   luaL_requiref(L, "milter.redis", luaopen_milter_redis, 0) or put
 *   luaopen_milter_redis into package.preload["milter.redis"]
 *
 * The binding holds its own reference on the pool (released by lua_close or
 * the next redis_lua_setup).  time_left(L, ud) answers the seconds left of
 * the running callback's budget (callback_timeout; L may be a coroutine of
 * the state); NULL, or HUGE_VAL, when no budget runs.  For in-policy tests
 * the stub is the function at idx (nil clears it):
 * redis_lua_set_stub(L, idx), which stores it in the registry under
 * REDIS_LUA_STUB_KEY ("luamilter.stub.redis", where a test driver may set
 * it directly); it is looked up at each call.  It is called as stub(cmd, arg...) with the
 * arguments as the bytes that would be sent (redis.eval as
 * stub("EVAL", script, nkeys, key..., arg...)), and its results are the
 * call's; in a pipeline each command calls it, a nil, err answer becomes
 * {err = err}, except that an err starting with "timeout", "connection" or
 * "budget" fails the whole pipeline as nil, err.
 */
#ifndef LUAMILTER_REDIS_LUA_H
#define LUAMILTER_REDIS_LUA_H

#include <lua.h>

#include "redis_pool.h"

#define REDIS_MIN_LEFT 0.010    /* seconds: less left gives "budget" */
#define REDIS_RESERVE 0.1       /* of the callback's time left: kept for
                                 * the policy to act on a failure */
#define REDIS_LUA_STUB_KEY "luamilter.stub.redis"  /* registry: the stub */

struct redis_lua_env {
    struct redis_pool *pool;    /* NULL: redis is not configured */
    int policy_test;            /* never touch Redis (in-policy tests) */
    double (*time_left)(lua_State *L, void *ud);
    void *ud;
    /* counts each call (redis_metrics_call) or NULL: its command name
     * ("pipeline" for one), its enum redis_result and the seconds it took
     * (negative when nothing was sent) */
    void (*count)(const char *cmd, size_t len, int result, double seconds);
};

void redis_lua_setup(lua_State *L, const struct redis_lua_env *env);
void redis_lua_set_stub(lua_State *L, int idx);
int luaopen_milter_redis(lua_State *L);

#endif
