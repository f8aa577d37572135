/*
 * redis_driver.c - runs a t/redis/NNN-*.lua test against a real
 * redis-server through the milter.redis binding (t/redis/run starts the
 * servers).
 *
 *   redis-driver FILE.lua
 *
 * The file runs in a Lua state with the standard libraries, `redis` (the
 * module; require "milter.redis" works too) and `rtest`:
 *   rtest.setup{url =, timeout =, connections =, max_reply =}  a new pool
 *       from these config values (strings, as in the config file); raises
 *       with the config error;  rtest.unset()  no pool
 *   rtest.stats() -> the pool's counters;  rtest.time_left(s or nil)
 *   rtest.now(), rtest.sleep(s), rtest.sha1(s)
 *   rtest.admin(url, cmd, ...) -> reply | nil, err  on a connection of its
 *       own (plain hiredis, 5 s timeout; AUTH and SELECT from the url), for
 *       CLIENT LIST, SCRIPT FLUSH ...
 *   rtest.spawn(n, code, ...) -> h  runs code in n threads, each in its own
 *       state on the same pool, as code(i, ...);  h:join(seconds) -> the
 *       values they returned (tables of strings, numbers, booleans;
 *       {error = msg} for a thread that raised); raises if a thread is
 *       still running after seconds (stuck)
 *   rtest.check(name, fn)  runs fn, prints "ok - name" or "not ok - name"
 * Exit status 0 when every check passed and the file ran to its end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <hiredis/hiredis.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monotime.h"
#include "redis_kit.h"
#include "redis_config.h"
#include "redis_lua.h"
#include "redis_pool.h"
#include "redis_reply.h"
#include "sha1.h"

#define SPAWN_HANDLE "rtest.spawn"

static struct redis_pool *current_pool;
static int checks_failed;

/* state_budget - the budget of L's state (the registry keeps it) */
static struct redis_kit_budget *
state_budget(lua_State *L)
{
    struct redis_kit_budget *b;

    lua_getfield(L, LUA_REGISTRYINDEX, "rtest.budget");
    b = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return b;
}

/* attach - give L the current pool and its own budget */
static void
attach(lua_State *L)
{
    struct redis_lua_env env = {current_pool, 0, redis_kit_time_left, NULL,
                                NULL};

    env.ud = state_budget(L);
    redis_lua_setup(L, &env);
}

/* driver_log - the pool's log lines as TAP comments */
static void
driver_log(int level, const char *line, void *ud)
{
    (void)ud;
    printf("# pool log %d: %s\n", level, line);
    fflush(stdout);
}

/* l_setup - rtest.setup{...}: a new pool from config values */
static int
l_setup(lua_State *L)
{
    static const char *const keys[] = {
        "url", "redis", "timeout", "redis_timeout", "connections",
        "redis_connections", "max_reply", "redis_max_reply", NULL
    };
    struct redis_hooks hooks = {.log = driver_log};
    struct redis_config rc;
    struct config *cfg;
    char err[256];
    int i, id = config_add_section(&redis_config_section);

    luaL_checktype(L, 1, LUA_TTABLE);
    cfg = config_new();
    if (cfg == NULL || id <= 0)
        return luaL_error(L, "out of memory");
    for (i = 0; keys[i] != NULL; i += 2) {
        if (lua_getfield(L, 1, keys[i]) != LUA_TNIL &&
            config_set(cfg, keys[i + 1], luaL_tolstring(L, -1, NULL), err,
                       sizeof err) != 0) {
            config_unref(cfg);
            return luaL_error(L, "%s", err);
        }
        lua_settop(L, 1);
    }
    if (redis_config_from(config_section(cfg, id), &rc, err,
                          sizeof err) < 0) {
        config_unref(cfg);
        return luaL_error(L, "%s", err);
    }
    config_unref(cfg);
    if (rc.url == NULL) {
        redis_config_free(&rc);
        return luaL_error(L, "rtest.setup: no url");
    }
    redis_pool_release(current_pool);
    current_pool = redis_pool_new(&rc, &hooks);
    redis_config_free(&rc);
    if (current_pool == NULL)
        return luaL_error(L, "out of memory");
    attach(L);
    return 0;
}

/* l_unset - rtest.unset(): no pool */
static int
l_unset(lua_State *L)
{
    redis_pool_release(current_pool);
    current_pool = NULL;
    attach(L);
    return 0;
}

/* l_stats - rtest.stats() */
static int
l_stats(lua_State *L)
{
    struct redis_pool_stats st;

    if (current_pool == NULL)
        return luaL_error(L, "rtest.stats: no pool");
    redis_pool_stats(current_pool, &st);
    lua_createtable(L, 0, 9);
    lua_pushinteger(L, st.open), lua_setfield(L, -2, "open");
    lua_pushinteger(L, st.idle), lua_setfield(L, -2, "idle");
    lua_pushinteger(L, st.peak_open), lua_setfield(L, -2, "peak_open");
    lua_pushboolean(L, st.down), lua_setfield(L, -2, "down");
    lua_pushinteger(L, (lua_Integer)st.connects);
    lua_setfield(L, -2, "connects");
    lua_pushinteger(L, (lua_Integer)st.connect_failures);
    lua_setfield(L, -2, "connect_failures");
    lua_pushinteger(L, (lua_Integer)st.dropped);
    lua_setfield(L, -2, "dropped");
    lua_pushinteger(L, (lua_Integer)st.fast_failures);
    lua_setfield(L, -2, "fast_failures");
    lua_pushinteger(L, (lua_Integer)st.wait_timeouts);
    lua_setfield(L, -2, "wait_timeouts");
    return 1;
}

/* l_sleep - rtest.sleep(seconds) */
static int
l_sleep(lua_State *L)
{
    double s = luaL_checknumber(L, 1);
    struct timespec ts;

    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    return 0;
}

/* l_sha1 - rtest.sha1(s) */
static int
l_sha1(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char hex[SHA1_HEX_LEN + 1];

    sha1_hex(s, len, hex);
    lua_pushstring(L, hex);
    return 1;
}

/* l_admin - rtest.admin(url, cmd, ...): one command on its own
 * connection */
static int
l_admin(lua_State *L)
{
    struct redis_target t;
    struct timeval tv = {5, 0};
    const char *argv[64];
    size_t len[64];
    redisContext *c;
    redisReply *r;
    char err[256];
    int n = lua_gettop(L) - 1, i;

    if (redis_url_parse(luaL_checkstring(L, 1), &t, err, sizeof err) < 0)
        return luaL_error(L, "rtest.admin: %s", err);
    luaL_argcheck(L, n >= 1 && n <= 64, 2, "1 to 64 command words");
    for (i = 0; i < n; i++)
        argv[i] = luaL_checklstring(L, i + 2, &len[i]);
    c = t.transport == REDIS_UNIX ? redisConnectUnixWithTimeout(t.path, tv)
                                  : redisConnectWithTimeout(t.host, t.port,
                                                            tv);
    if (c == NULL || c->err) {
        lua_pushnil(L);
        lua_pushfstring(L, "admin connect: %s", c ? c->errstr : "no memory");
        redisFree(c);
        return 2;
    }
    redisSetTimeout(c, tv);
    if (t.has_password) {
        r = redisCommand(c, "AUTH %s", t.password);
        freeReplyObject(r);
    }
    if (t.db != 0) {
        r = redisCommand(c, "SELECT %d", t.db);
        freeReplyObject(r);
    }
    r = redisCommandArgv(c, n, argv, len);
    if (r == NULL) {
        lua_pushnil(L);
        lua_pushfstring(L, "admin: %s", c->errstr);
        redisFree(c);
        return 2;
    }
    redisFree(c);
    if (r->type == REDIS_REPLY_ERROR) {
        lua_pushnil(L);
        lua_pushlstring(L, r->str, r->len);
        freeReplyObject(r);
        return 2;
    }
    redis_reply_push(L, r);     /* a memory error here would leak r: tests */
    freeReplyObject(r);
    return 1;
}

/* l_check - rtest.check(name, fn): one TAP line */
static int
l_check(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);

    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_getglobal(L, "debug");
    lua_getfield(L, -1, "traceback");
    lua_remove(L, -2);
    lua_pushvalue(L, 2);
    if (lua_pcall(L, 0, 0, -2) == LUA_OK) {
        printf("ok - %s\n", name);
    } else {
        const char *msg = lua_tostring(L, -1);
        const char *p;

        checks_failed++;
        printf("not ok - %s\n", name);
        for (p = msg != NULL ? msg : "(no message)"; *p != '\0';) {
            const char *nl = strchr(p, '\n');
            int n = nl != NULL ? (int)(nl - p) : (int)strlen(p);

            printf("#   %.*s\n", n, p);
            p += n + (nl != NULL);
        }
    }
    fflush(stdout);
    return 0;
}

static int open_rtest(lua_State *L);

/* new_state - a state with the libraries, redis, rtest and a budget */
static lua_State *
new_state(void)
{
    lua_State *L = luaL_newstate();
    struct redis_kit_budget *b;

    if (L == NULL)
        return NULL;
    luaL_openlibs(L);
    b = lua_newuserdatauv(L, sizeof *b, 0);
    b->left = NAN;
    lua_setfield(L, LUA_REGISTRYINDEX, "rtest.budget");
    attach(L);
    luaL_requiref(L, "milter.redis", luaopen_milter_redis, 1);
    lua_setglobal(L, "redis");
    luaL_requiref(L, "rtest", open_rtest, 1);           /* rtest */
    lua_pushlightuserdata(L, b);
    lua_pushcclosure(L, redis_kit_set_left, 1);
    lua_setfield(L, -2, "time_left");
    lua_pop(L, 1);
    return L;
}

/* one thread of a spawn */
struct worker {
    pthread_t thread;
    int index;
    char *code;
    int nargs;
    char **args;
    lua_State *L;               /* kept until join copies the result */
    int ok;
    int done;
};

/* a spawn's threads, as a userdata */
struct spawn {
    int n;
    int joined;
    struct worker *w;
};

/* worker_main - run the code in the worker's own state */
static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    lua_State *L = w->L;
    int i;

    w->ok = luaL_loadstring(L, w->code) == LUA_OK;
    if (w->ok) {
        lua_pushinteger(L, w->index);
        for (i = 0; i < w->nargs; i++)
            lua_pushstring(L, w->args[i]);
        w->ok = lua_pcall(L, 1 + w->nargs, 1, 0) == LUA_OK;
    }
    __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* copy_value - copy the value at idx of from onto to (strings, numbers,
 * booleans, tables of them; anything else as its tostring) */
static void
copy_value(lua_State *from, int idx, lua_State *to, int depth)
{
    size_t len;
    const char *s;

    idx = lua_absindex(from, idx);
    switch (lua_type(from, idx)) {
    case LUA_TNIL:
        lua_pushnil(to);
        break;
    case LUA_TBOOLEAN:
        lua_pushboolean(to, lua_toboolean(from, idx));
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(from, idx))
            lua_pushinteger(to, lua_tointeger(from, idx));
        else
            lua_pushnumber(to, lua_tonumber(from, idx));
        break;
    case LUA_TTABLE:
        lua_newtable(to);
        if (depth > 8)
            break;
        lua_pushnil(from);
        while (lua_next(from, idx) != 0) {
            copy_value(from, -2, to, depth + 1);
            copy_value(from, -1, to, depth + 1);
            lua_settable(to, -3);
            lua_pop(from, 1);
        }
        break;
    default:
        s = luaL_tolstring(from, idx, &len);
        lua_pushlstring(to, s, len);
        lua_pop(from, 1);
        break;
    }
}

/* spawn_free - free what the spawn's threads held (all joined) */
static void
spawn_free(struct spawn *s)
{
    int i, j;

    for (i = 0; i < s->n; i++) {
        if (s->w[i].L != NULL)
            lua_close(s->w[i].L);
        free(s->w[i].code);
        for (j = 0; j < s->w[i].nargs; j++)
            free(s->w[i].args[j]);
        free(s->w[i].args);
    }
    free(s->w);
    s->w = NULL;
    s->n = 0;
}

/* l_spawn - rtest.spawn(n, code, ...) */
static int
l_spawn(lua_State *L)
{
    int n = (int)luaL_checkinteger(L, 1), nargs = lua_gettop(L) - 2, i, j;
    const char *code = luaL_checkstring(L, 2);
    struct spawn *s;

    luaL_argcheck(L, n >= 1 && n <= 256, 1, "1 to 256 threads");
    s = lua_newuserdatauv(L, sizeof *s, 0);
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, SPAWN_HANDLE);
    s->w = calloc((size_t)n, sizeof *s->w);
    if (s->w == NULL)
        return luaL_error(L, "out of memory");
    s->n = n;
    for (i = 0; i < n; i++) {
        struct worker *w = &s->w[i];

        w->index = i + 1;
        w->code = strdup(code);
        w->nargs = nargs;
        w->args = calloc((size_t)(nargs > 0 ? nargs : 1), sizeof *w->args);
        for (j = 0; j < nargs && w->args != NULL; j++)
            w->args[j] = strdup(luaL_tolstring(L, 3 + j, NULL));
        lua_settop(L, 2 + nargs + 1);
        w->L = new_state();
        if (w->code == NULL || w->args == NULL || w->L == NULL)
            return luaL_error(L, "out of memory");
    }
    for (i = 0; i < n; i++)
        if (pthread_create(&s->w[i].thread, NULL, worker_main, &s->w[i]))
            return luaL_error(L, "pthread_create failed");
    return 1;
}

/* l_join - h:join(seconds): every thread's result, or raise if one is
 * still running by then */
static int
l_join(lua_State *L)
{
    struct spawn *s = luaL_checkudata(L, 1, SPAWN_HANDLE);
    double limit = mono_now() + luaL_checknumber(L, 2), whole;
    struct timespec ts;
    int i, stuck = 0;

    if (s->joined)
        return luaL_error(L, "already joined");
    ts.tv_nsec = 0;
    for (i = 0; i < s->n; i++) {
        double left = limit - mono_now();

        clock_gettime(CLOCK_REALTIME, &ts);
        left += (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
        ts.tv_nsec = (long)(modf(left, &whole) * 1e9);
        ts.tv_sec = (time_t)whole;
        if (pthread_timedjoin_np(s->w[i].thread, NULL, &ts) != 0)
            stuck++;
    }
    if (stuck > 0) {
        /* leave them: the process exits with the failure */
        s->n = 0;
        return luaL_error(L, "%d thread(s) still running after the limit "
                          "(stuck)", stuck);
    }
    s->joined = 1;
    lua_createtable(L, s->n, 0);
    for (i = 0; i < s->n; i++) {
        if (s->w[i].ok) {
            copy_value(s->w[i].L, -1, L, 0);
        } else {
            lua_createtable(L, 0, 1);
            lua_pushstring(L, lua_tostring(s->w[i].L, -1));
            lua_setfield(L, -2, "error");
        }
        lua_rawseti(L, -2, i + 1);
    }
    spawn_free(s);
    return 1;
}

/* spawn_gc - __gc: join what is left (a handle dropped unjoined) */
static int
spawn_gc(lua_State *L)
{
    struct spawn *s = luaL_checkudata(L, 1, SPAWN_HANDLE);
    int i;

    if (!s->joined)
        for (i = 0; i < s->n; i++)
            pthread_join(s->w[i].thread, NULL);
    spawn_free(s);
    return 0;
}

static const luaL_Reg rtest_funcs[] = {
    {"setup", l_setup}, {"unset", l_unset}, {"stats", l_stats},
    {"time_left", NULL}, {"now", redis_kit_now}, {"sleep", l_sleep},
    {"sha1", l_sha1}, {"admin", l_admin}, {"spawn", l_spawn},
    {"check", l_check}, {NULL, NULL}
};

/* open_rtest - the rtest module */
static int
open_rtest(lua_State *L)
{
    if (luaL_newmetatable(L, SPAWN_HANDLE)) {
        lua_pushcfunction(L, spawn_gc);
        lua_setfield(L, -2, "__gc");
        lua_createtable(L, 0, 1);
        lua_pushcfunction(L, l_join);
        lua_setfield(L, -2, "join");
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_newlib(L, rtest_funcs);
    return 1;
}

/* main - run one test file */
int
main(int argc, char **argv)
{
    lua_State *L;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: redis-driver FILE.lua\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    L = new_state();
    if (L == NULL)
        return 2;
    lua_getglobal(L, "debug");
    lua_getfield(L, -1, "traceback");
    lua_remove(L, -2);
    rc = luaL_loadfile(L, argv[1]);
    if (rc == LUA_OK)
        rc = lua_pcall(L, 0, 0, -2);
    if (rc != LUA_OK) {
        printf("not ok - %s: %s\n", argv[1], lua_tostring(L, -1));
        checks_failed++;
    }
    lua_close(L);
    redis_pool_release(current_pool);
    return checks_failed > 0 ? 1 : 0;
}
