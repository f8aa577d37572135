/*
 * redis_lua.c - the milter.redis Lua module (see redis_lua.h).
 *
 * Each call runs in three phases: Lua (check and collect the arguments,
 * make the reply box; may raise), C (take a pooled connection, one or two
 * round trips, give it back; no Lua API call, so nothing can raise while a
 * connection is held), Lua again (map the replies, free them).
 */
#include "redis_lua.h"
#include "monotime.h"
#include "redis_args.h"
#include "redis_cmd.h"
#include "redis_metrics.h"
#include "redis_reply.h"
#include "sha1.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define ENV_KEY "milter.redis.env"
#define ERRLEN 512

/* the state's environment (a userdata in the registry) */
struct env_box {
    struct redis_lua_env env;
};

/* env_gc - __gc: the state closes, drop its pool reference */
static int
env_gc(lua_State *L)
{
    struct env_box *e = lua_touserdata(L, 1);

    redis_pool_release(e->env.pool);
    e->env.pool = NULL;
    return 0;
}

/* push_env - push the state's environment box, made on first use */
static struct env_box *
push_env(lua_State *L)
{
    struct env_box *e;

    if (lua_getfield(L, LUA_REGISTRYINDEX, ENV_KEY) == LUA_TUSERDATA)
        return lua_touserdata(L, -1);
    lua_pop(L, 1);
    e = lua_newuserdatauv(L, sizeof *e, 0);             /* box */
    memset(e, 0, sizeof *e);
    lua_createtable(L, 0, 2);                           /* box, mt */
    lua_pushcfunction(L, env_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);                            /* box */
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, ENV_KEY);        /* box */
    return e;
}

/* redis_lua_setup - give the state its pool, mode and budget (see
 * redis_lua.h); takes a reference on env->pool */
void
redis_lua_setup(lua_State *L, const struct redis_lua_env *env)
{
    struct env_box *e = push_env(L);
    struct redis_pool *old = e->env.pool;

    if (env->pool != NULL)
        redis_pool_hold(env->pool);
    e->env = *env;
    redis_pool_release(old);
    lua_pop(L, 1);
}

/* redis_lua_set_stub - policy-test mode: the function at idx answers the
 * calls (nil: none); it is the registry's REDIS_LUA_STUB_KEY, where the
 * test driver may also put it */
void
redis_lua_set_stub(lua_State *L, int idx)
{
    lua_pushvalue(L, idx);
    lua_setfield(L, LUA_REGISTRYINDEX, REDIS_LUA_STUB_KEY);
}

/* env_of - the environment of a module function (upvalue 1) */
static struct env_box *
env_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* push_fail - the nil, err answer */
static int
push_fail(lua_State *L, const char *err)
{
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
}

/* push_stub - push the stub function; 0 (nothing pushed) if none */
static int
push_stub(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, REDIS_LUA_STUB_KEY) ==
        LUA_TFUNCTION)
        return 1;
    lua_pop(L, 1);
    return 0;
}

/* unreachable - the answer when no Redis may be used: NULL if the call
 * may go on (to Redis, or to the stub in policy-test mode) */
static const char *
unreachable(lua_State *L, struct env_box *e)
{
    if (e->env.policy_test) {
        if (push_stub(L)) {
            lua_pop(L, 1);
            return NULL;
        }
        return "redis is not available in policy tests";
    }
    return e->env.pool == NULL ? "redis is not configured" : NULL;
}

/* call_stub - stub(argv of command i...) with nres results */
static void
call_stub(lua_State *L, const struct redis_args *a, int first, int argc,
          int nres)
{
    int i;

    push_stub(L);
    luaL_checkstack(L, argc, "too many arguments for the redis stub");
    for (i = 0; i < argc; i++)
        lua_pushlstring(L, a->argv[first + i], a->len[first + i]);
    lua_call(L, argc, nres);
}

/* deadline_of - when this call must be done (CLOCK_MONOTONIC): within
 * redis_timeout, and early enough in the callback's budget that the
 * policy can still act on a failure (REDIS_RESERVE of what is left, at
 * least half of REDIS_MIN_LEFT); -1 when under REDIS_MIN_LEFT is left */
static int
deadline_of(lua_State *L, struct env_box *e, double *deadline)
{
    double left = e->env.time_left != NULL ? e->env.time_left(L, e->env.ud)
                                           : HUGE_VAL;
    double wait = redis_pool_timeout(e->env.pool), reserve;

    if (!(left >= REDIS_MIN_LEFT))
        return -1;
    reserve = left * REDIS_RESERVE;
    if (reserve < REDIS_MIN_LEFT / 2)
        reserve = REDIS_MIN_LEFT / 2;
    if (left - reserve < wait)
        wait = left - reserve;
    *deadline = mono_now() + wait;
    return 0;
}

/* build_request - the request of all commands in a; -1 out of memory */
static int
build_request(const struct redis_args *a, struct redis_request *req)
{
    int i, pos = 0;

    redis_request_init(req);
    for (i = 0; i < a->ncmds; i++) {
        if (redis_request_add(req, a->argc[i], a->argv + pos,
                              a->len + pos) < 0) {
            redis_request_free(req);
            return -1;
        }
        pos += a->argc[i];
    }
    return 0;
}

/* exchange - the C phase of call and pipeline: one round trip of all the
 * commands in a, replies into box; REDIS_FAIL_* and err */
static int
exchange(struct env_box *e, const struct redis_args *a, double deadline,
         redisReply **box, char *err, size_t errlen)
{
    struct redis_request req;
    int fail;

    if (build_request(a, &req) < 0) {
        snprintf(err, errlen, "connection: out of memory for the command");
        return REDIS_FAIL_CONNECTION;
    }
    fail = redis_pool_run(e->env.pool, &req, deadline, box, err, errlen);
    redis_request_free(&req);
    return fail;
}

/* fail_text - err for a failure: the two fixed words, else err itself */
static const char *
fail_text(int fail, const char *err)
{
    if (fail == REDIS_FAIL_BUDGET)
        return "budget";
    if (fail == REDIS_FAIL_TOO_LARGE)
        return "reply too large";
    return err;
}

/* push_top - a single reply as a call's answer: an error reply is
 * nil, text */
static int
push_top(lua_State *L, const redisReply *r)
{
    if (r->type == REDIS_REPLY_ERROR) {
        lua_pushnil(L);
        lua_pushlstring(L, r->str, r->len);
        return 2;
    }
    redis_reply_push(L, r);
    return 1;
}

/* script_ref - the script text of an eval, for the EVAL fallback */
struct script_ref {
    const char *text;
    size_t len;
};

/* eval_exchange - the C phase of eval: EVALSHA, and EVAL on the same
 * connection when the server does not know the script; a->argv[0..1] end
 * up as the last command sent */
static int
eval_exchange(struct env_box *e, struct redis_args *a,
              const struct script_ref *script, double deadline,
              redisReply **box, char *err, size_t errlen)
{
    struct redis_pool *p = e->env.pool;
    struct redis_request req;
    struct redis_conn *c;
    int fail;

    if (build_request(a, &req) < 0) {
        snprintf(err, errlen, "connection: out of memory for the command");
        return REDIS_FAIL_CONNECTION;
    }
    fail = redis_pool_get(p, deadline, &c, err, errlen);
    if (fail != REDIS_FAIL_NONE) {
        redis_request_free(&req);
        return fail;
    }
    fail = redis_pool_roundtrip(p, c, &req, deadline, box, err, errlen);
    redis_request_free(&req);
    if (fail == REDIS_FAIL_NONE && box[0]->type == REDIS_REPLY_ERROR &&
        strncmp(box[0]->str, "NOSCRIPT", 8) == 0) {
        redis_reply_box_clear(box, 1);
        a->argv[0] = "EVAL", a->len[0] = 4;
        a->argv[1] = script->text, a->len[1] = script->len;
        if (build_request(a, &req) < 0) {
            redis_pool_put(p, c, REDIS_FAIL_NONE);
            snprintf(err, errlen, "connection: out of memory for the "
                     "command");
            return REDIS_FAIL_CONNECTION;
        }
        fail = redis_pool_roundtrip(p, c, &req, deadline, box, err, errlen);
        redis_request_free(&req);
    }
    redis_pool_put(p, c, fail);
    return fail;
}

/* count - tell the state's counter (if any) of a call named cmd */
static void
count(const struct env_box *e, const char *cmd, int result, double seconds)
{
    if (e->env.count != NULL)
        e->env.count(cmd, strlen(cmd), result, seconds);
}

/* result_of - the enum redis_result of a C phase's failure, or of its
 * first reply (an error reply counts as "error" for a single command) */
static int
result_of(int fail, const redisReply *first, int single)
{
    switch (fail) {
    case REDIS_FAIL_NONE:
        return single && first->type == REDIS_REPLY_ERROR ? REDIS_RESULT_ERROR
                                                          : REDIS_RESULT_OK;
    case REDIS_FAIL_TIMEOUT: return REDIS_RESULT_TIMEOUT;
    case REDIS_FAIL_TOO_LARGE: return REDIS_RESULT_TOO_LARGE;
    case REDIS_FAIL_BUDGET: return REDIS_RESULT_BUDGET;
    default: return REDIS_RESULT_CONNECTION;
    }
}

/* run_exchange - make the reply box, take the deadline, run the C phase
 * (eval_exchange when script is given) and count it under the name cmd;
 * 0 with *boxp filled, else the count of the nil, err values pushed */
static int
run_exchange(lua_State *L, struct env_box *e, struct redis_args *a,
             const struct script_ref *script, const char *cmd,
             redisReply ***boxp)
{
    redisReply **box = redis_reply_box(L, a->ncmds);   /* ..., box */
    char err[ERRLEN];
    double deadline, t0 = 0;
    int fail;

    if (deadline_of(L, e, &deadline) < 0) {
        count(e, cmd, REDIS_RESULT_BUDGET, -1);
        return push_fail(L, "budget");
    }
    if (e->env.count != NULL)
        t0 = mono_now();
    fail = script != NULL ? eval_exchange(e, a, script, deadline, box, err,
                                          sizeof err)
                          : exchange(e, a, deadline, box, err, sizeof err);
    if (e->env.count != NULL)
        count(e, cmd, result_of(fail, box[0], a->ncmds == 1 &&
                                strcmp(cmd, "pipeline") != 0),
              fail == REDIS_FAIL_BUDGET ? -1 : mono_now() - t0);
    if (fail != REDIS_FAIL_NONE)
        return push_fail(L, fail_text(fail, err));
    *boxp = box;
    return 0;
}

/* l_call - redis.call(cmd, ...) */
static int
l_call(lua_State *L)
{
    struct env_box *e = env_of(L);
    struct redis_args a;
    redisReply **box;
    const char *why;
    char err[ERRLEN];
    int n = lua_gettop(L), anchor, i;

    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_typeerror(L, 1, "string (the command)");
    lua_newtable(L);                                    /* anchor */
    anchor = lua_gettop(L);
    redis_args_alloc(L, &a, 1, n);                      /* anchor, vectors */
    for (i = 0; i < n; i++)
        a.argv[i] = redis_args_value(L, i + 1, anchor, &a.len[i],
                                     "redis.call", i + 1);
    a.argc[0] = n;
    if (redis_cmd_check(n, a.argv, a.len, REDIS_CMD_CALL, NULL, err,
                        sizeof err) < 0) {
        if (!e->env.policy_test && e->env.count != NULL)
            e->env.count(a.argv[0], a.len[0], REDIS_RESULT_REFUSED, -1);
        return luaL_error(L, "%s", err);
    }
    why = unreachable(L, e);
    if (why != NULL)
        return push_fail(L, why);
    if (e->env.policy_test) {
        int base = lua_gettop(L);

        call_stub(L, &a, 0, n, LUA_MULTRET);
        return lua_gettop(L) - base;
    }
    {
        char name[32];          /* the command's name, for its label */
        size_t len = a.len[0] < sizeof name - 1 ? a.len[0] : sizeof name - 1;

        memcpy(name, a.argv[0], len);
        name[len] = '\0';
        n = run_exchange(L, e, &a, NULL, name, &box);
    }
    if (n > 0)
        return n;
    n = push_top(L, box[0]);
    redis_reply_box_clear(box, 1);
    return n;
}

/* collect_pipeline - the commands of the table at 1 into a; raises on
 * misuse */
static void
collect_pipeline(lua_State *L, struct env_box *e, int anchor,
                 struct redis_args *a)
{
    struct redis_cmd_txn txn = {0};
    lua_Integer i, ncmds = (lua_Integer)lua_rawlen(L, 1);
    char err[ERRLEN], what[64];
    int total = 0, pos = 0;

    if (ncmds > 1000000)
        luaL_error(L, "redis.pipeline: more than 1000000 commands");
    for (i = 1; i <= ncmds; i++) {
        if (lua_rawgeti(L, 1, i) != LUA_TTABLE)
            luaL_error(L, "redis.pipeline: command #%d must be a table "
                       "{cmd, arg...}, not a %s", (int)i,
                       luaL_typename(L, -1));
        if (lua_rawlen(L, -1) == 0 || lua_rawgeti(L, -1, 1) != LUA_TSTRING)
            luaL_error(L, "redis.pipeline: command #%d has no command name "
                       "(a string) at [1]", (int)i);
        total += (int)lua_rawlen(L, -2);
        if (total > 16000000)
            luaL_error(L, "redis.pipeline: too many arguments");
        lua_pop(L, 2);
    }
    redis_args_alloc(L, a, (int)ncmds, total);          /* ..., vectors */
    for (i = 1; i <= ncmds; i++) {
        int first = pos;

        lua_rawgeti(L, 1, i);                           /* ..., cmd */
        snprintf(what, sizeof what, "redis.pipeline: command #%d", (int)i);
        redis_args_table(L, lua_gettop(L), anchor, a, &pos, what);
        lua_pop(L, 1);          /* the strings are held by the table at 1 */
        a->argc[i - 1] = pos - first;
        if (redis_cmd_check(pos - first, a->argv + first, a->len + first,
                            REDIS_CMD_PIPELINE, &txn, err, sizeof err) < 0) {
            if (!e->env.policy_test)
                count(e, "pipeline", REDIS_RESULT_REFUSED, -1);
            luaL_error(L, "%s (pipeline command #%d)", err, (int)i);
        }
    }
    if (txn.open)
        luaL_error(L, "redis.pipeline: MULTI without EXEC or DISCARD");
}

/* stub_pipeline - policy-test mode: each command to the stub */
static int
stub_pipeline(lua_State *L, const struct redis_args *a)
{
    int i, pos = 0, out;
    const char *err;

    lua_createtable(L, a->ncmds, 0);                    /* ..., out */
    out = lua_gettop(L);
    for (i = 0; i < a->ncmds; i++) {
        call_stub(L, a, pos, a->argc[i], 2);            /* ..., out, r, e */
        pos += a->argc[i];
        if (lua_isnil(L, -2) && lua_isnil(L, -1)) {
            lua_pushboolean(L, 0);      /* no answer: a nil reply */
            lua_replace(L, -3);
        } else if (lua_isnil(L, -2)) {
            err = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                 : "error";
            if (strncmp(err, "timeout", 7) == 0 ||
                strncmp(err, "connection", 10) == 0 ||
                strcmp(err, "budget") == 0)
                return push_fail(L, err);
            redis_reply_push_error(L, err, strlen(err)); /* out, r, e, {} */
            lua_replace(L, -3);
        }
        lua_pop(L, 1);                                  /* ..., out, r */
        lua_rawseti(L, out, i + 1);
    }
    return 1;
}

/* l_pipeline - redis.pipeline{{cmd, ...}, ...}: one round trip */
static int
l_pipeline(lua_State *L)
{
    struct env_box *e = env_of(L);
    struct redis_args a;
    redisReply **box;
    const char *why;
    int anchor, i, n;

    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_newtable(L);                                    /* cmds, anchor */
    anchor = 2;
    collect_pipeline(L, e, anchor, &a);                    /* cmds, anchor, v */
    why = unreachable(L, e);
    if (why != NULL)
        return push_fail(L, why);
    if (e->env.policy_test)
        return stub_pipeline(L, &a);
    if (a.ncmds == 0) {
        lua_newtable(L);
        return 1;
    }
    n = run_exchange(L, e, &a, NULL, "pipeline", &box); /* ..., box */
    if (n > 0)
        return n;
    lua_createtable(L, a.ncmds, 0);                     /* ..., box, out */
    for (i = 0; i < a.ncmds; i++) {
        redis_reply_push(L, box[i]);
        lua_rawseti(L, -2, i + 1);
    }
    redis_reply_box_clear(box, a.ncmds);
    return 1;
}

/* l_eval - redis.eval(script [, keys [, args]]) */
static int
l_eval(lua_State *L)
{
    struct env_box *e = env_of(L);
    struct redis_args a;
    struct script_ref script;
    redisReply **box;
    const char *why;
    char sha[SHA1_HEX_LEN + 1];
    lua_Integer nkeys, nargs;
    int anchor, pos = 3, n;

    script.text = luaL_checklstring(L, 1, &script.len);
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TTABLE);
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    nkeys = lua_istable(L, 2) ? (lua_Integer)lua_rawlen(L, 2) : 0;
    nargs = lua_istable(L, 3) ? (lua_Integer)lua_rawlen(L, 3) : 0;
    if (nkeys + nargs > 1000000)
        return luaL_error(L, "redis.eval: too many keys and arguments");
    lua_newtable(L);                                    /* s, k, a, anchor */
    anchor = 4;
    redis_args_alloc(L, &a, 1, 3 + (int)(nkeys + nargs));
    lua_pushinteger(L, nkeys);                          /* ..., v, nkeys */
    a.argv[2] = redis_args_value(L, -1, anchor, &a.len[2], "redis.eval", 2);
    lua_pop(L, 1);
    if (nkeys > 0)
        redis_args_table(L, 2, anchor, &a, &pos, "redis.eval: keys");
    if (nargs > 0)
        redis_args_table(L, 3, anchor, &a, &pos, "redis.eval: args");
    a.argc[0] = pos;
    why = unreachable(L, e);
    if (why != NULL)
        return push_fail(L, why);
    if (e->env.policy_test) {
        int base = lua_gettop(L);

        a.argv[0] = "EVAL", a.len[0] = 4;
        a.argv[1] = script.text, a.len[1] = script.len;
        call_stub(L, &a, 0, pos, LUA_MULTRET);
        return lua_gettop(L) - base;
    }
    sha1_hex(script.text, script.len, sha);
    a.argv[0] = "EVALSHA", a.len[0] = 7;
    a.argv[1] = sha, a.len[1] = SHA1_HEX_LEN;
    n = run_exchange(L, e, &a, &script, "eval", &box);
    if (n > 0)
        return n;
    n = push_top(L, box[0]);
    redis_reply_box_clear(box, 1);
    return n;
}

/* l_configured - redis.configured(): whether calls can reach a Redis (or
 * the stub of a policy test) */
static int
l_configured(lua_State *L)
{
    lua_pushboolean(L, unreachable(L, env_of(L)) == NULL);
    return 1;
}

static const luaL_Reg redis_funcs[] = {
    {"call", l_call},
    {"pipeline", l_pipeline},
    {"eval", l_eval},
    {"configured", l_configured},
    {NULL, NULL}
};

/* luaopen_milter_redis - open the milter.redis module */
int
luaopen_milter_redis(lua_State *L)
{
    luaL_newlibtable(L, redis_funcs);                   /* module */
    push_env(L);                                        /* module, env */
    luaL_setfuncs(L, redis_funcs, 1);
    return 1;
}
