/*
 * redis_bench.c - round trips per second through milter.redis.
 *
 *   redis-bench URL SECONDS THREADS...
 *
 * For each thread count, that many threads, each with its own Lua state on
 * one shared pool (redis_connections = 16), call redis.call("INCR", k) in a
 * loop for SECONDS; prints calls per second in all and per thread.  Run by
 * `make bench-redis` (t/redis/bench), not by make test.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monotime.h"
#include "redis_config.h"
#include "redis_kit.h"
#include "redis_lua.h"
#include "redis_pool.h"

static const char loop[] =
    "local stop = ...\n"
    "local redis = require 'milter.redis'\n"
    "local n = 0\n"
    "while now() < stop do\n"
    "  for _ = 1, 100 do\n"
    "    if not redis.call('INCR', 'bench') then return -1 end\n"
    "  end\n"
    "  n = n + 100\n"
    "end\n"
    "return n\n";

struct runner {
    pthread_t thread;
    struct redis_pool *pool;
    double stop;
    long calls;
};

/* run_loop - one thread: its own state, INCR until the stop time */
static void *
run_loop(void *arg)
{
    struct runner *r = arg;
    struct redis_kit_budget b = {0};
    struct redis_lua_env env = {r->pool, 0, NULL, &b, NULL};
    lua_State *L = luaL_newstate();

    luaL_openlibs(L);
    redis_lua_setup(L, &env);
    luaL_requiref(L, "milter.redis", luaopen_milter_redis, 0);
    lua_pop(L, 1);
    lua_pushcfunction(L, redis_kit_now);
    lua_setglobal(L, "now");
    r->calls = -1;
    if (luaL_loadstring(L, loop) == LUA_OK) {
        lua_pushnumber(L, r->stop);
        if (lua_pcall(L, 1, 1, 0) == LUA_OK)
            r->calls = (long)lua_tointeger(L, -1);
    }
    if (r->calls < 0)
        fprintf(stderr, "redis-bench: %s\n", lua_tostring(L, -1) != NULL
                ? lua_tostring(L, -1) : "a call failed");
    lua_close(L);
    return NULL;
}

/* main - one measurement per thread count */
int
main(int argc, char **argv)
{
    struct redis_config rc;
    struct redis_pool *pool;
    char err[256];
    double secs;
    int a, i, n;

    if (argc < 4) {
        fprintf(stderr, "usage: redis-bench URL SECONDS THREADS...\n");
        return 2;
    }
    redis_config_init(&rc);
    if (redis_url_parse(argv[1], &rc.target, err, sizeof err) != 0) {
        fprintf(stderr, "redis-bench: %s\n", err);
        return 2;
    }
    rc.timeout = 2;
    pool = redis_pool_new(&rc, NULL);
    redis_config_free(&rc);
    secs = atof(argv[2]);
    for (a = 3; a < argc; a++) {
        struct runner *r;
        long total = 0;

        n = atoi(argv[a]);
        r = calloc((size_t)n, sizeof *r);
        if (n < 1 || r == NULL)
            return 2;
        for (i = 0; i < n; i++) {
            r[i].pool = pool;
            r[i].stop = mono_now() + secs;
            pthread_create(&r[i].thread, NULL, run_loop, &r[i]);
        }
        for (i = 0; i < n; i++) {
            pthread_join(r[i].thread, NULL);
            if (r[i].calls < 0)
                return 1;
            total += r[i].calls;
        }
        printf("%2d thread(s): %8.0f INCR/s through milter.redis "
               "(%.0f per thread)\n", n, (double)total / secs,
               (double)total / secs / n);
        free(r);
    }
    redis_pool_release(pool);
    return 0;
}
