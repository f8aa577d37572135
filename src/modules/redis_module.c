/*
 * redis_module.c - milter.redis wired into the daemon (redis_module.h).
 *
 * The pool is the daemon's, made at start from the config's keys and
 * shared by every live state (each holds its own reference, so a reload
 * that changes a key builds a new pool for the states that start after it
 * while the old one drains).  A state of any other mode never reaches it:
 * in-policy tests, replay and milter.test answer from the test's stub
 * (the function in the state's registry at "luamilter.stub.redis") or
 * with "redis is not available in policy tests"; replay --live-io and
 * milter.test's {redis = "live"} (MODULE_REPLAY_LIVE_IO) use the pool.
 */
#include "redis_module.h"
#include "budget.h"
#include "config.h"
#include "log.h"
#include "redis_config.h"
#include "redis_lua.h"
#include "redis_metrics.h"
#include "redis_pool.h"

#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct redis_pool *pool;         /* the daemon's; NULL: none */

/* keys_of - the module's block of cfg */
static const struct redis_keys *
keys_of(const struct config *cfg)
{
    return config_section(cfg, redis_module.section);
}

/* pool_log - the pool's log lines to the daemon's log */
static void
pool_log(int level, const char *line, void *ud)
{
    (void)ud;
    log_msg(level, "%s", line);
}

/* make_pool - a pool for cfg's server, or NULL when `redis` is unset;
 * -1 on failure */
static int
make_pool(const struct config *cfg, struct redis_pool **out, char *err,
          size_t errlen)
{
    struct redis_hooks hooks = {.log = pool_log,
                                 .event = redis_metrics_event};
    const struct redis_keys *k = keys_of(cfg);
    struct redis_config rc;

    *out = NULL;
    if (k == NULL || k->url == NULL)
        return 0;
    if (redis_config_from(k, &rc, err, errlen) < 0)
        return -1;
    *out = redis_pool_new(&rc, &hooks);
    redis_config_free(&rc);
    if (*out == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* swap_pool - make p the daemon's pool, releasing the daemon's reference
 * on the one before (states using it hold their own) */
static void
swap_pool(struct redis_pool *p)
{
    struct redis_pool *old;

    pthread_mutex_lock(&pool_lock);
    old = pool;
    pool = p;
    pthread_mutex_unlock(&pool_lock);
    redis_pool_release(old);
}

/* pool_stats - the daemon's pool's counters, for its metrics (zeros
 * without a pool) */
static void
pool_stats(struct redis_pool_stats *st)
{
    struct redis_pool *p;

    pthread_mutex_lock(&pool_lock);
    p = pool;
    if (p != NULL)
        redis_pool_hold(p);
    pthread_mutex_unlock(&pool_lock);
    if (p != NULL)
        redis_pool_stats(p, st);
    redis_pool_release(p);
}

/* redis_start - the pool, when `redis` is set (nothing connects yet) */
static int
redis_start(const struct config *cfg, char *err, size_t errlen)
{
    struct redis_pool *p;

    redis_metrics_start(pool_stats);
    if (make_pool(cfg, &p, err, errlen) < 0)
        return -1;
    swap_pool(p);
    if (p != NULL)
        log_info("redis: %s, timeout %g s, at most %d connections",
                 redis_pool_label(p), keys_of(cfg)->timeout,
                 keys_of(cfg)->connections);
    return 0;
}

/* redis_reload - a new pool when a key changed */
static int
redis_reload(const struct config *old, const struct config *cfg, char *err,
             size_t errlen)
{
    const struct redis_keys *a = keys_of(old), *b = keys_of(cfg);
    struct redis_pool *p;

    if (a != NULL && b != NULL && redis_keys_same(a, b))
        return 0;
    if (make_pool(cfg, &p, err, errlen) < 0)
        return -1;              /* the running pool stays */
    swap_pool(p);
    log_notice("redis: %s for connections from now on",
               p != NULL ? redis_pool_label(p) : "not configured");
    return 0;
}

/* redis_stop - release the daemon's pool */
static void
redis_stop(void)
{
    swap_pool(NULL);
}

/* time_left - redis_lua_env's budget: seconds left of the running
 * callback, HUGE_VAL when nothing limits it */
static double
time_left(lua_State *L, void *ud)
{
    double left = budget_remaining(L);

    (void)ud;
    return left < 0 ? HUGE_VAL : left;
}

/* offline_pool - with pool_lock held: replay --live-io and milter.test's
 * {redis = "live"} run in a process that has no daemon start; their first
 * state makes the pool from its generation's keys (a bad or unset `redis`
 * leaves none: calls say "redis is not configured") */
static void
offline_pool(const struct config *cfg)
{
    static int tried;
    char err[512];

    if (tried)
        return;
    tried = 1;
    if (make_pool(cfg, &pool, err, sizeof err) < 0)
        log_warn("redis: %s", err);
}

/* open_redis - require "milter.redis": the pool for a state that may use
 * the network, the stub or "not available" for the others */
static int
open_redis(lua_State *L)
{
    const struct module_env *env = module_env(L);
    int live = env->mode == MODULE_LIVE || env->mode == MODULE_REPLAY_LIVE_IO;
    struct redis_lua_env re = {NULL, !live, time_left, NULL,
        env->mode == MODULE_LIVE ? redis_metrics_call : NULL};
    struct redis_pool *p = NULL;

    redis_lua_setup(L, &re);    /* may raise (memory) while nothing is held */
    if (live) {
        pthread_mutex_lock(&pool_lock);
        if (pool == NULL && env->mode == MODULE_REPLAY_LIVE_IO)
            offline_pool(env->cfg);
        p = pool;
        if (p != NULL)
            redis_pool_hold(p);
        pthread_mutex_unlock(&pool_lock);
    }
    if (p != NULL) {
        re.pool = p;
        redis_lua_setup(L, &re);    /* the box exists: cannot raise now */
        redis_pool_release(p);      /* the state holds its own */
    }
    return luaopen_milter_redis(L);
}

struct module redis_module = {
    .name = "milter.redis", .open = open_redis,
    .flags = MODULE_POLICY | MODULE_STUB, .keys = &redis_config_section,
    .start = redis_start, .reload = redis_reload, .stop = redis_stop
};
