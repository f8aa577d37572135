/*
 * lcore.c - the milter.core Lua module: the daemon's core without an MTA.
 *
 * A context is a luamilter connection on the recording MTA, driven by the
 * transaction driver (driver.h) through the session's own entry points:
 * verdict mapping, stage rules, action checks, default macros, stop rules
 * and error handling are the daemon's and replay's.  Two kinds:
 *
 *   core.open(path [, opts [, libdir]])  the policy compiled from path
 *       into a generation of its own (config from opts, or from the file
 *       opts.config) and run in a real policy state: sandbox, time budget,
 *       memory limit, module mode "replay", as on the wire
 *   core.context(Class [, on_error [, on_error_reply]])  a class of the
 *       caller's own state adopted as it is (no sandbox, budget or limit
 *       of its own)
 *
 *   ctx:macro(name, value)
 *   ctx:negotiate([actions, protocol]) -> verdict, actions, protocol, acts
 *   ctx:connect(host, family [, addr [, port [, flowinfo [, scope_id]]]]),
 *   ctx:helo(name),
 *   ctx:envfrom(from, ...), ctx:envrcpt(to, ...), ctx:data(),
 *   ctx:header(name, value), ctx:eoh(), ctx:body(bytes), ctx:eom(),
 *   ctx:abort(), ctx:unknown(cmd), ctx:close()
 *       -> verdict, actions, errors, reply, stages
 *   ctx:message(text | {file = path} [, env]) -> result (lresult.h)
 *   ctx:stages(list) -> result of the last stage
 *   ctx:test(vector [, dir]) -> result: an in-policy test vector's run
 *   ctx:stub(name, value): what module milter.NAME answers from
 *   core.stub_modules -> {NAME = true} of the modules answering from stubs
 *   ctx:self() -> the policy object (the class form), ctx:negotiated()
 *   core.parse_message(bytes) -> { headers = {{name, value}...}, body = }
 *   core.read_file(path) -> bytes
 *   core.protocol_mask(Class) -> the bits negotiation clears for Class
 *
 * milter/core.so exports it to busted; the daemon links it too but never
 * puts it where a policy can reach it (in-policy tests run through
 * policytest.c).  It needs no libmilter: only its constants.
 */
#include "lcore.h"
#include "actions.h"
#include "config.h"
#include "conn.h"
#include "driver.h"
#include "engine.h"
#include "lenv.h"
#include "log.h"
#include "lresult.h"
#include "lvector.h"
#include "message.h"
#include "module.h"
#include "paths.h"
#include "protomask.h"
#include "record.h"
#include "reply.h"
#include "script.h"
#include "testvec.h"
#include "verdict.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LCORE_CTX "milter.core.context"

struct lcore_ctx {
    struct driver d;
    struct conn adopted;        /* the class form's connection */
    struct fixed_reply on_error_reply;  /* ... and its on_error reply */
    int is_adopted;
    int open;                   /* d is set up and not freed */
};

/* the state of this thread while a call is routed to a context */
struct routing {
    struct lconn **slot;        /* the class form: its state's slot */
    struct lconn *old_conn;
    log_hook_fn old_hook;
    void *old_ud;
};

/* check_ctx - the context argument, open */
static struct lcore_ctx *
check_ctx(lua_State *L)
{
    struct lcore_ctx *k = luaL_checkudata(L, 1, LCORE_CTX);

    if (!k->open || k->d.closed)
        luaL_error(L, "milter.core: this context is closed");
    return k;
}

/* route_enter - send the policy's errors to r and, for the class form,
 * the actions of the caller's state to k's connection */
static void
route_enter(lua_State *L, struct lcore_ctx *k, struct lresult *r,
            struct routing *rt)
{
    rt->slot = NULL;
    if (k->is_adopted) {
        rt->slot = actions_slot(L);
        rt->old_conn = *rt->slot;
        *rt->slot = &k->adopted.lc;
        k->adopted.lc.L = L;
    }
    k->d.obs = &lresult_observer;
    k->d.ud = r;
    log_set_hook(lresult_hook, r, &rt->old_hook, &rt->old_ud);
}

/* route_leave - undo route_enter */
static void
route_leave(struct lcore_ctx *k, const struct routing *rt)
{
    log_set_hook(rt->old_hook, rt->old_ud, NULL, NULL);
    k->d.obs = NULL;
    k->d.ud = NULL;
    if (rt->slot != NULL)
        *rt->slot = rt->old_conn;
}

/* finish_call - after a routed call: raise if the result could not be
 * built, else leave it on the stack */
static void
finish_call(lua_State *L, struct lresult *r)
{
    int failed = r->failed;

    lresult_end(r);
    if (failed)
        luaL_error(L, "milter.core: out of memory building the result");
}

/* push_stage_returns - verdict, actions, errors, reply of the last stage
 * in the result on top (errors: every error of the call, joined), and
 * every stage the call ran (negotiate first, if it was due) */
static int
push_stage_returns(lua_State *L)
{
    int res = lua_gettop(L), st;

    lua_getfield(L, res, "stages");
    lua_rawgeti(L, -1, (lua_Integer)lua_rawlen(L, -1));
    st = lua_gettop(L);
    lua_getfield(L, st, "verdict");
    lua_getfield(L, st, "actions");
    lua_getfield(L, res, "errors");
    if (lua_rawlen(L, -1) == 0) {
        lua_pop(L, 1);
        lua_pushnil(L);
    } else {
        luaL_Buffer b;
        lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);
        int errs = lua_gettop(L);
        luaL_buffinit(L, &b);
        for (i = 1; i <= n; i++) {
            if (i > 1)
                luaL_addchar(&b, '\n');
            lua_rawgeti(L, errs, i);
            luaL_addvalue(&b);
        }
        luaL_pushresult(&b);
        lua_remove(L, errs);
    }
    lua_getfield(L, st, "reply");
    lua_getfield(L, res, "stages");
    return 5;
}

/* run_stage - one stage with the arguments at 2..top */
static int
run_stage(lua_State *L, enum stage st)
{
    struct lcore_ctx *k = check_ctx(L);
    struct lanchor a;
    struct routing rt;
    struct lresult r;
    struct lstep step;
    char err[512];

    lanchor_open(&a, L);
    if (lenv_stage(&a, st, 2, lua_gettop(L) - 1, &step, err,
                   sizeof err) < 0) {
        lanchor_close(&a);
        return luaL_error(L, "%s", err);
    }
    lresult_new(L);
    lresult_begin(&r, L, -1);
    route_enter(L, k, &r, &rt);
    driver_stage(&k->d, st, &step.ev);
    route_leave(k, &rt);
    lanchor_close(&a);
    finish_call(L, &r);
    return push_stage_returns(L);
}

/* l_negotiate - ctx:negotiate([actions, protocol]) */
static int
l_negotiate(lua_State *L)
{
    struct lcore_ctx *k = check_ctx(L);
    unsigned long f0 = (unsigned long)luaL_optinteger(L, 2,
                                                      DRIVER_OFFER_ACTIONS);
    unsigned long f1 = (unsigned long)luaL_optinteger(L, 3,
                                                      DRIVER_OFFER_PROTOCOL);
    struct routing rt;
    struct lresult r;
    int st;

    luaL_argcheck(L, !k->d.negotiated, 1, "already negotiated");
    lresult_new(L);
    lresult_begin(&r, L, -1);
    route_enter(L, k, &r, &rt);
    st = driver_negotiate(&k->d, f0, f1);
    route_leave(k, &rt);
    finish_call(L, &r);
    lua_pushstring(L, verdict_word(st));
    lua_pushinteger(L, (lua_Integer)k->d.actions);
    lua_pushinteger(L, (lua_Integer)k->d.protocol);
    lua_getfield(L, -4, "stages");
    lua_rawgeti(L, -1, 1);
    lua_getfield(L, -1, "actions");
    lua_remove(L, -2);
    lua_remove(L, -2);
    return 4;
}

/* l_macro - ctx:macro(name, value): the caller's, kept over defaults */
static int
l_macro(lua_State *L)
{
    struct lcore_ctx *k = check_ctx(L);

    if (record_set_macro(k->d.rec, luaL_checkstring(L, 2),
                         luaL_checkstring(L, 3)) < 0)
        return luaL_error(L, "out of memory");
    return 0;
}

/* l_connect - ctx:connect(hostname, family [, addr [, port]]) */
static int l_connect(lua_State *L) { return run_stage(L, ST_CONNECT); }

/* l_helo - ctx:helo(name) */
static int l_helo(lua_State *L) { return run_stage(L, ST_HELO); }

/* l_envfrom - ctx:envfrom(from, ...) */
static int l_envfrom(lua_State *L) { return run_stage(L, ST_ENVFROM); }

/* l_envrcpt - ctx:envrcpt(to, ...) */
static int l_envrcpt(lua_State *L) { return run_stage(L, ST_ENVRCPT); }

/* l_data - ctx:data() */
static int l_data(lua_State *L) { return run_stage(L, ST_DATA); }

/* l_header - ctx:header(name, value) */
static int l_header(lua_State *L) { return run_stage(L, ST_HEADER); }

/* l_eoh - ctx:eoh() */
static int l_eoh(lua_State *L) { return run_stage(L, ST_EOH); }

/* l_body - ctx:body(bytes) */
static int l_body(lua_State *L) { return run_stage(L, ST_BODY); }

/* l_eom - ctx:eom() */
static int l_eom(lua_State *L) { return run_stage(L, ST_EOM); }

/* l_abort - ctx:abort() */
static int l_abort(lua_State *L) { return run_stage(L, ST_ABORT); }

/* l_unknown - ctx:unknown(cmd) */
static int l_unknown(lua_State *L) { return run_stage(L, ST_UNKNOWN); }

/* l_close - ctx:close() */
static int l_close(lua_State *L) { return run_stage(L, ST_CLOSE); }

/* run_vector - a read vector (message or stages) through the driver; the
 * result is pushed */
static int
run_vector(lua_State *L, struct lcore_ctx *k, struct lanchor *a,
           struct lvector *v)
{
    struct routing rt;
    struct lresult r;
    char err[512];
    int rc;

    lresult_new(L);
    lresult_begin(&r, L, -1);
    route_enter(L, k, &r, &rt);
    rc = lvector_run(&k->d, v, &k->on_error_reply, &r, err, sizeof err);
    route_leave(k, &rt);
    lanchor_close(a);
    lvector_free(v);
    if (rc < 0) {
        lresult_end(&r);
        return luaL_error(L, "%s", err);
    }
    finish_call(L, &r);
    return 1;
}

/* l_message - ctx:message(text | {file = path} [, env]): one transaction */
static int
l_message(lua_State *L)
{
    struct lcore_ctx *k = check_ctx(L);
    struct lanchor a;
    struct lvector v;
    char err[512];

    lua_settop(L, 3);
    lanchor_open(&a, L);
    if (lvector_message(&a, 2, 3, &v, err, sizeof err) < 0) {
        lanchor_close(&a);
        return luaL_error(L, "%s", err);
    }
    return run_vector(L, k, &a, &v);
}

/* the stub for module NAME to put in a policy state of its own */
struct stub_copy {
    lua_State *from;            /* the caller's state, value at idx */
    int idx;
    const char *name;
};

/* copy_stub - (protected, in the policy's state) registry["luamilter.
 * stub.NAME"] = a copy of the caller's value */
static int
copy_stub(lua_State *L)
{
    struct stub_copy *sc = lua_touserdata(L, 1);

    lua_pushfstring(L, "%s%s", MODULE_STUB_PREFIX, sc->name);
    lenv_copy(sc->from, sc->idx, L, 0);
    lua_rawset(L, LUA_REGISTRYINDEX);
    return 0;
}

/* is_stub_name - whether a module answers from a stub of this name */
static int
is_stub_name(const char *name)
{
    struct module *const *m;
    const char *n;

    for (m = module_registry; *m != NULL; m++)
        if ((n = module_stub_name(*m)) != NULL && strcmp(n, name) == 0)
            return 1;
    return 0;
}

/* set_stub - the stub of module NAME, the caller's value at idx: in the
 * caller's registry for the class form, copied (plain data) into the
 * policy's own state otherwise */
static void
set_stub(lua_State *L, struct lcore_ctx *k, const char *name, int idx)
{
    struct stub_copy sc;
    char err[512];

    idx = lua_absindex(L, idx);
    if (k->is_adopted) {
        lua_pushfstring(L, "%s%s", MODULE_STUB_PREFIX, name);
        lua_pushvalue(L, idx);
        lua_rawset(L, LUA_REGISTRYINDEX);
        return;
    }
    sc.from = L;
    sc.idx = idx;
    sc.name = name;
    if (engine_protected(&k->d.c->lc, ST_NONE, copy_stub, &sc, err,
                         sizeof err) < 0)
        luaL_error(L, "stub %s: %s", name, err);
}

/* l_stub - ctx:stub(name, value): what module milter.NAME answers from
 * (nil clears it) */
static int
l_stub(lua_State *L)
{
    struct lcore_ctx *k = check_ctx(L);
    const char *name = luaL_checkstring(L, 2);

    luaL_argcheck(L, is_stub_name(name), 2, "no module milter.NAME answers "
                  "from stubs under that name");
    lua_settop(L, 3);
    set_stub(L, k, name, 3);
    return 0;
}

/* set_vector_stubs - each stub field of test vector tc */
static void
set_vector_stubs(lua_State *L, struct lcore_ctx *k, int tc)
{
    struct module *const *m;
    const char *name;

    for (m = module_registry; *m != NULL; m++) {
        if ((name = module_stub_name(*m)) == NULL)
            continue;
        lua_pushstring(L, name);
        lua_rawget(L, tc);
        set_stub(L, k, name, -1);
        lua_pop(L, 1);
    }
}

/* l_test - ctx:test(tc [, dir]): a test vector (message, file relative
 * to dir, or stages; its environment, on_error and module stubs) */
static int
l_test(lua_State *L)
{
    struct lcore_ctx *k = check_ctx(L);
    const char *dir = luaL_optstring(L, 3, NULL);
    struct lanchor a;
    struct lvector v;
    char err[512];

    luaL_checktype(L, 2, LUA_TTABLE);
    set_vector_stubs(L, k, 2);
    lanchor_open(&a, L);
    if (lvector_read(&a, 2, dir, 0, &v, err, sizeof err) < 0) {
        lanchor_close(&a);
        lvector_free(&v);
        return luaL_error(L, "%s", err);
    }
    return run_vector(L, k, &a, &v);
}

/* l_stages - ctx:stages(list): {stage, args...} entries run in order */
static int
l_stages(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_createtable(L, 0, 1);                   /* {stages = list} */
    lua_insert(L, 2);
    lua_setfield(L, 2, "stages");
    return l_test(L);
}

/* l_self - ctx:self(): the policy object (class form; nil for a policy
 * running in a state of its own) */
static int
l_self(lua_State *L)
{
    struct lcore_ctx *k = luaL_checkudata(L, 1, LCORE_CTX);

    if (k->open && k->is_adopted && k->adopted.lc.L != NULL)
        lua_rawgeti(L, LUA_REGISTRYINDEX, k->adopted.lc.self_ref);
    else
        lua_pushnil(L);
    return 1;
}

/* l_negotiated - ctx:negotiated(): actions, protocol in force */
static int
l_negotiated(lua_State *L)
{
    struct lcore_ctx *k = luaL_checkudata(L, 1, LCORE_CTX);

    lua_pushinteger(L, (lua_Integer)k->d.actions);
    lua_pushinteger(L, (lua_Integer)k->d.protocol);
    return 2;
}

/* l_gc - free the connection and recorder (no callback runs) */
static int
l_gc(lua_State *L)
{
    struct lcore_ctx *k = luaL_checkudata(L, 1, LCORE_CTX);

    if (k->open)
        driver_free(&k->d);
    k->open = 0;
    return 0;
}

/* new_ctx - a context userdata, not yet open */
static struct lcore_ctx *
new_ctx(lua_State *L)
{
    struct lcore_ctx *k = lua_newuserdatauv(L, sizeof *k, 0);

    memset(k, 0, sizeof *k);
    luaL_setmetatable(L, LCORE_CTX);
    return k;
}

/* l_context - core.context(Class [, on_error [, on_error_reply]]): the
 * class form */
static int
l_context(lua_State *L)
{
    static const char *const words[] = {
        "tempfail", "reject", "continue", "accept", NULL
    };
    int on_error = lvector_on_error(words[luaL_checkoption(L, 2, "tempfail",
                                                           words)]);
    const char *reply = luaL_optstring(L, 3, NULL);
    struct fixed_reply r;
    struct lcore_ctx *k;
    struct record *rec;
    struct mta mta;
    char err[256];

    luaL_checktype(L, 1, LUA_TTABLE);
    memset(&r, 0, sizeof r);
    if (reply != NULL &&
        (reply_parse(reply, &r, err, sizeof err) < 0 ||
         config_check_on_error_reply(on_error, &r, err, sizeof err) < 0))
        return luaL_argerror(L, 3, err);
    k = new_ctx(L);
    k->on_error_reply = r;
    rec = record_new();
    if (rec == NULL)
        return luaL_error(L, "out of memory");
    mta = record_mta(rec);
    k->is_adopted = 1;
    k->d.rec = rec;                     /* freed by l_gc if bind raises */
    k->open = 1;
    conn_adopt(&k->adopted, L, 1, on_error, &k->on_error_reply, &mta);
    driver_init(&k->d, &k->adopted, rec, NULL, NULL);
    return 1;
}

/* opt_value - the config text of the option value on top (a string, a
 * number, a boolean, or a list of words), in buf; NULL if none fits */
static const char *
opt_value(lua_State *L, char *buf, size_t cap)
{
    lua_Integer i, n;
    size_t used = 0;

    switch (lua_type(L, -1)) {
    case LUA_TSTRING:
        return lua_tostring(L, -1);
    case LUA_TNUMBER:
        snprintf(buf, cap, "%.17g", lua_tonumber(L, -1));
        if (lua_isinteger(L, -1))
            snprintf(buf, cap, "%lld", (long long)lua_tointeger(L, -1));
        return buf;
    case LUA_TBOOLEAN:
        return lua_toboolean(L, -1) ? "yes" : "no";
    case LUA_TTABLE:
        buf[0] = '\0';
        n = (lua_Integer)lua_rawlen(L, -1);
        for (i = 1; i <= n; i++) {
            const char *w;
            if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
                lua_pop(L, 1);
                return NULL;
            }
            w = lua_tostring(L, -1);
            used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0,
                                     "%s%s", i > 1 ? " " : "", w);
            lua_pop(L, 1);
        }
        return used < cap ? buf : NULL;
    default:
        return NULL;
    }
}

/* options_config - a config from core.open's opts: the file opts.config,
 * then each other config key of opts; NULL and why on error */
static struct config *
options_config(lua_State *L, int opts, char *err, size_t errlen)
{
    struct config *cfg = config_new();
    char buf[4096], sub[1024];

    if (cfg == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (lua_isnoneornil(L, opts))
        return cfg;
    luaL_checktype(L, opts, LUA_TTABLE);
    if (lua_getfield(L, opts, "config") == LUA_TSTRING &&
        config_load(cfg, lua_tostring(L, -1), err, errlen) < 0) {
        lua_pop(L, 1);
        config_unref(cfg);
        return NULL;
    }
    lua_pop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, opts) != 0) {
        const char *key = lua_type(L, -2) == LUA_TSTRING
                              ? lua_tostring(L, -2) : NULL;
        const char *value;
        if (key == NULL || strcmp(key, "config") == 0 ||
            strcmp(key, "macros") == 0) {
            lua_pop(L, 1);
            continue;
        }
        value = opt_value(L, buf, sizeof buf);
        if (value == NULL || config_set(cfg, key, value, sub,
                                        sizeof sub) < 0) {
            snprintf(err, errlen, "opts.%s: %s", key, value == NULL
                     ? "a string, number, boolean or list of words expected"
                     : sub);
            lua_pop(L, 2);
            config_unref(cfg);
            return NULL;
        }
        lua_pop(L, 1);
    }
    return cfg;
}

/* l_open - core.open(path [, opts [, libdir]]): the policy of script path
 * in a real policy state of its own */
static int
l_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    const char *libdir = luaL_optstring(L, 3, paths_libdir());
    struct script_options so;
    struct config *cfg;
    struct script *s;
    struct lcore_ctx *k;
    struct lresult logged;
    log_hook_fn old_hook;
    void *old_ud;
    char err[8192];
    int rc;

    cfg = options_config(L, 2, err, sizeof err);
    if (cfg == NULL)
        return luaL_error(L, "milter.core.open: %s", err);
    k = new_ctx(L);
    script_options_init(&so, cfg, path);
    so.libdir = libdir;
    memset(&logged, 0, sizeof logged);
    log_set_hook(lresult_hook, &logged, &old_hook, &old_ud);
    s = script_load(&so, err, sizeof err);
    rc = s != NULL ? driver_open(&k->d, s, MODULE_REPLAY, NULL, NULL, err,
                                 sizeof err) : -1;
    log_set_hook(old_hook, old_ud, NULL, NULL);
    script_unref(s);
    config_unref(cfg);
    if (rc == 0)
        k->open = 1;
    if (rc == 0 && k->d.c->mode == CONN_BROKEN)
        snprintf(err, sizeof err, "%s", logged.errors != NULL
                 ? logged.errors : "the policy could not start");
    lresult_end(&logged);
    if (rc < 0 || k->d.c->mode == CONN_BROKEN)
        return luaL_error(L, "%s", err);
    return 1;
}

/* l_parse_message - core.parse_message(bytes) */
static int
l_parse_message(lua_State *L)
{
    size_t len, i;
    const char *buf = luaL_checklstring(L, 1, &len);
    struct message m;
    char err[256];

    if (message_parse((const unsigned char *)buf, len, &m, err,
                      sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_createtable(L, 0, 2);
    lua_createtable(L, (int)m.nhdrs, 0);
    for (i = 0; i < m.nhdrs; i++) {
        lua_createtable(L, 2, 0);
        lua_pushstring(L, m.hdrs[i].name);
        lua_rawseti(L, -2, 1);
        lua_pushstring(L, m.hdrs[i].value);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "headers");
    lua_pushlstring(L, (const char *)m.body, m.bodylen);
    lua_setfield(L, -2, "body");
    message_free(&m);
    return 1;
}

/* l_read_file - core.read_file(path): the bytes of a test message file
 * (a regular file of at most 64 MiB, opened without blocking) */
static int
l_read_file(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);

    luaL_argcheck(L, strlen(path) == len, 1, "a path without NUL bytes");
    return testvec_push(L, path);
}

static const luaL_Reg ctx_methods[] = {
    {"abort", l_abort},
    {"body", l_body},
    {"close", l_close},
    {"connect", l_connect},
    {"data", l_data},
    {"envfrom", l_envfrom},
    {"envrcpt", l_envrcpt},
    {"eoh", l_eoh},
    {"eom", l_eom},
    {"header", l_header},
    {"helo", l_helo},
    {"macro", l_macro},
    {"message", l_message},
    {"negotiate", l_negotiate},
    {"negotiated", l_negotiated},
    {"self", l_self},
    {"stages", l_stages},
    {"stub", l_stub},
    {"test", l_test},
    {"unknown", l_unknown},
    {NULL, NULL}
};

static const luaL_Reg core_funcs[] = {
    {"context", l_context},
    {"open", l_open},
    {"parse_message", l_parse_message},
    {"protocol_mask", protomask_lua},
    {"read_file", l_read_file},
    {NULL, NULL}
};

/* luaopen_milter_core - open the milter.core module */
int
luaopen_milter_core(lua_State *L)
{
    struct module *const *m;
    const char *name;
    char err[512];

    if (modules_init(err, sizeof err) < 0)
        return luaL_error(L, "milter.core: %s", err);
    if (luaL_newmetatable(L, LCORE_CTX)) {
        luaL_newlib(L, ctx_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);                  /* no script may add a */
        lua_setfield(L, -2, "__metatable");     /* Lua __gc to it */
    }
    lua_pop(L, 1);
    luaL_newlib(L, core_funcs);
    lua_newtable(L);                            /* stub_modules */
    for (m = module_registry; *m != NULL; m++) {
        if ((name = module_stub_name(*m)) == NULL)
            continue;
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, name);
    }
    lua_setfield(L, -2, "stub_modules");
    return 1;
}

struct module lcore_module = {
    "milter.core", luaopen_milter_core, 0, 0, MODULE_TOOL, NULL, 0, NULL,
    NULL, NULL, NULL, NULL
};
