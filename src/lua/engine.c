/*
 * engine.c - Lua states of connections and the single protected call site.
 *
 * engine_pcall is the only place luamilter calls into Lua.  State setup,
 * callbacks, declared macro lists and script checks all run as C functions
 * under it, the way lua.c runs pmain, so an error anywhere (including an
 * allocation failure) becomes a logged message and never a longjmp through
 * libmilter.
 */
#include "engine.h"
#include "actions.h"
#include "budget.h"
#include "config.h"
#include "lconn.h"
#include "log.h"
#include "module.h"
#include "sandbox.h"
#include "mta.h"
#include "protomask.h"
#include "script.h"
#include "verdict.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENGINE_ERR_MAX 8192

struct call {
    struct lconn *c;
    enum stage st;
    const struct event *ev;
    struct call_result *res;
};

/* msghandler - error handler: message text plus traceback */
static int
msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);

    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)",
                              luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* engine_pcall - run fn(ud) protected; LUA_OK or an error code and text */
int
engine_pcall(lua_State *L, lua_CFunction fn, void *ud, char *err,
             size_t errlen)
{
    int base = lua_gettop(L);
    int rc;

    lua_pushcfunction(L, msghandler);
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, ud);
    rc = lua_pcall(L, 1, 0, base + 1);
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        snprintf(err, errlen, "%s", msg != NULL ? msg : "(no message)");
    }
    lua_settop(L, base);
    return rc;
}

/* timed_by - the conn whose budget times c's calls: c itself, or for a
 * conn adopted into one of our states that state's owner (NULL: none) */
static struct lconn *
timed_by(struct lconn *c)
{
    return c->adopted ? lstate_owner(c->L) : c;
}

/* timed_pcall - engine_pcall under owner's time budget timing st and its
 * memory_limit, which a caught refusal still fails (none when owner is
 * NULL) */
static int
timed_pcall(struct lconn *owner, lua_State *L, enum stage st, lua_CFunction fn,
            void *ud, char *err, size_t errlen)
{
    struct budget_saved sv;
    int rc;

    if (owner == NULL)
        return engine_pcall(L, fn, ud, err, errlen);
    owner->mem_refused = 0;
    owner->mem_error = 0;
    owner->mem_retry.pending = 0;
    budget_start(owner, L, st, &sv);
    rc = engine_pcall(L, fn, ud, err, errlen);
    rc = budget_stop(owner, L, &sv, rc, err, errlen);
    if (rc == LUA_OK && (owner->mem_error || owner->mem_retry.pending)) {
        snprintf(err, errlen, "the script caught the 'not enough memory' "
                 "error and went on; reaching the limit fails the callback");
        rc = LUA_ERRMEM;
    }
    return rc;
}

/* self_index - instance lookup: the class first, then the actions */
static int
self_index(lua_State *L)
{
    lua_pushvalue(L, 2);
    lua_gettable(L, lua_upvalueindex(1));       /* class[k], inherited */
    if (!lua_isnil(L, -1))
        return 1;
    lua_pop(L, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(2));         /* actions[k] */
    return 1;
}

/* chain_up - replace the table on top by the one its metatable's __index
 * names (the next class up); 0, leaving the table, if there is none */
static int
chain_up(lua_State *L)
{
    if (!lua_getmetatable(L, -1))
        return 0;
    lua_pushliteral(L, "__index");
    lua_rawget(L, -2);                          /* table mt next */
    lua_remove(L, -2);
    lua_remove(L, -2);                          /* next */
    return 1;
}

/* chain_has_base - whether milter.Base (as loaded) ends cls's chain */
static int
chain_has_base(lua_State *L, int cls)
{
    int depth, found = 0, base;

    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "milter");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 2);
        return 0;
    }
    lua_getfield(L, -1, "Base");
    base = lua_gettop(L);
    if (!lua_istable(L, base) || lua_getmetatable(L, base)) {
        lua_settop(L, base - 3);                /* Base already has one */
        return 0;
    }
    lua_pushvalue(L, cls);
    for (depth = 0; depth < 64 && lua_istable(L, -1); depth++) {
        if (lua_rawequal(L, -1, base)) {
            found = 1;
            break;
        }
        if (!chain_up(L))
            break;
    }
    lua_settop(L, base - 3);
    return found;
}

/* list_has - whether a declaration table names a callback */
static int
list_has(lua_State *L, int t, const char *name)
{
    int found = 0;

    lua_getfield(L, t, name);                   /* set form: {eoh = true} */
    found = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!found) {
        lua_Integer i, n = (lua_Integer)lua_rawlen(L, t);
        for (i = 1; i <= n && !found; i++) {
            const char *v;
            lua_rawgeti(L, t, i);               /* list form: {"eoh"} */
            v = lua_tostring(L, -1);
            found = v != NULL && strcmp(v, name) == 0;
            lua_pop(L, 1);
        }
    }
    return found;
}

/* check_noreply_list - every name in a noreply declaration is valid */
static void
check_noreply_list(lua_State *L, int t)
{
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        const char *name = NULL;
        int st;
        if (lua_type(L, -2) == LUA_TSTRING)
            name = lua_tostring(L, -2);
        else if (lua_type(L, -1) == LUA_TSTRING)
            name = lua_tostring(L, -1);
        st = name != NULL ? stage_by_callback(name) : -1;
        if (st < 0 || stage_info((enum stage)st)->nr_bit == 0)
            luaL_error(L, "noreply: '%s' is not a callback that can go "
                       "without a reply (connect, hello, envfrom, envrcpt, "
                       "data, header, eoh, body, unknown)",
                       name != NULL ? name : luaL_typename(L, -1));
        lua_pop(L, 1);
    }
}

/* declared_noreply - whether the table defining fn lists name as noreply;
 * validate: also check every name of the declaration (done once, when the
 * script generation is checked) */
static int
declared_noreply(lua_State *L, int cls, const char *name, int fn,
                 int validate)
{
    int depth, result = 0;

    lua_pushvalue(L, cls);
    for (depth = 0; depth < 64 && lua_istable(L, -1); depth++) {
        int t = lua_gettop(L);
        lua_pushstring(L, name);
        lua_rawget(L, t);
        if (lua_rawequal(L, -1, fn)) {
            lua_pop(L, 1);
            lua_pushliteral(L, "noreply");
            lua_rawget(L, t);
            if (lua_istable(L, -1)) {
                if (validate)
                    check_noreply_list(L, lua_gettop(L));
                result = list_has(L, lua_gettop(L), name);
            } else if (!lua_isnil(L, -1)) {
                luaL_error(L, "noreply must be a table of callback names, "
                           "got %s", luaL_typename(L, -1));
            }
            lua_pop(L, 1);
            break;
        }
        lua_pop(L, 1);
        if (!chain_up(L))
            break;
    }
    lua_settop(L, fn);
    return result;
}

/* check_symlist - the declared macro lists are well formed */
static void
check_symlist(lua_State *L, int cls)
{
    int t;

    lua_getfield(L, cls, "symlist");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "symlist must be a table {stage = macros}, got %s",
                   luaL_typename(L, -1));
    t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                       : NULL;
        if (k == NULL || stage_symlist_parse(k) < 0)
            luaL_error(L, "symlist: '%s' is not a macro stage (connect, helo, "
                       "envfrom, envrcpt, data, eoh, eom)",
                       k != NULL ? k : luaL_typename(L, -2));
        if (lua_type(L, -1) != LUA_TSTRING && !lua_istable(L, -1))
            luaL_error(L, "symlist.%s must be a string or a list of macro "
                       "names, got %s", k, luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* engine_read_shape - which callbacks the class at cls defines and how,
 * into ps (raises); validate: also check the declarations in full (done
 * once, when a script generation is checked) */
void
engine_read_shape(lua_State *L, int cls, struct policy_shape *ps,
                  int validate)
{
    int st;

    memset(ps, 0, sizeof *ps);
    for (st = ST_NEGOTIATE; st < ST_COUNT; st++) {
        const char *name = stage_info((enum stage)st)->callback;
        int fn;

        lua_getfield(L, cls, name);
        fn = lua_gettop(L);
        if (lua_isfunction(L, fn)) {
            ps->callbacks |= STAGE_BIT(st);
            if (stage_info((enum stage)st)->nr_bit != 0 &&
                declared_noreply(L, cls, name, fn, validate))
                ps->noreply |= STAGE_BIT(st);
        } else if (!lua_isnil(L, fn)) {
            luaL_error(L, "policy field '%s' must be a function, got %s",
                       name, luaL_typename(L, fn));
        }
        lua_pop(L, 1);
    }
    lua_getfield(L, cls, "header_leading_space");
    ps->leadspc = lua_toboolean(L, -1);
    lua_getfield(L, cls, "rejected_recipients");
    ps->rcpt_rej = lua_toboolean(L, -1);
    lua_pop(L, 2);
    if (validate) {
        lua_getfield(L, cls, "noreply");
        if (lua_istable(L, -1))
            check_noreply_list(L, lua_gettop(L));
        else if (!lua_isnil(L, -1))
            luaL_error(L, "noreply must be a table of callback names, got %s",
                       luaL_typename(L, -1));
        lua_pop(L, 1);
        check_symlist(L, cls);
        modules_check_class(L, cls);
    }
}

/* drop_tests - a connection's state has no use for the class's own test
 * vectors (only test states run them): a tests table is dropped and
 * collected before the first callback, so that big vectors cost a live
 * connection nothing (a tests function is never called here) */
static void
drop_tests(lua_State *L, int cls)
{
    int type;

    lua_pushliteral(L, "tests");
    type = lua_rawget(L, cls);
    lua_pop(L, 1);
    if (type != LUA_TTABLE)
        return;
    lua_pushliteral(L, "tests");
    lua_pushnil(L);
    lua_rawset(L, cls);
    lua_gc(L, LUA_GCCOLLECT);
}

/* setup_state - open libraries, load the policy, build self (protected) */
static int
setup_state(lua_State *L)
{
    struct lconn *c = lua_touserdata(L, 1);
    struct script *s = c->script;
    int cls;

    sandbox_open(L, s->cfg->lua_allow, s->package_path);
    budget_open(L);
    modules_preload(L, &s->env[c->mode], s->cfg->lua_allow);
    if (luaL_loadbufferx(L, (const char *)s->policy.code, s->policy.len,
                         s->policy.name, "b") != LUA_OK)
        return lua_error(L);
    lua_pushstring(L, s->path);                 /* the chunk's ... */
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1))
        return luaL_error(L, "%s: the script must return the policy class "
                          "(a table), it returned %s", s->path,
                          luaL_typename(L, -1));
    cls = lua_gettop(L);
    engine_bind(L, c, cls);
    if (c->mode != MODULE_TEST)         /* the check state and the test
                                         * connections run them */
        drop_tests(L, cls);
    return 0;
}

/* engine_bind - make self for class cls in L and remember both (raises) */
void
engine_bind(lua_State *L, struct lconn *c, int cls)
{
    cls = lua_absindex(L, cls);
    engine_read_shape(L, cls, &c->shape, c->check);
    lua_newtable(L);                            /* self */
    lua_createtable(L, 0, 2);                   /* its metatable */
    if (chain_has_base(L, cls)) {
        /* class, ..., milter.Base, then the actions: plain table lookups
         * all the way, no C call per method lookup */
        lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
        lua_getfield(L, -1, "milter");
        lua_getfield(L, -1, "Base");            /* mt loaded milter Base */
        lua_createtable(L, 0, 1);
        actions_push(L);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);                /* Base falls to actions */
        lua_pop(L, 3);
        lua_pushvalue(L, cls);
    } else {
        lua_pushvalue(L, cls);
        actions_push(L);
        lua_pushcclosure(L, self_index, 2);
    }
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, ENGINE_SELF_NAME);
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -2);
    c->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);   /* pops self */
    lua_pushvalue(L, cls);
    c->class_ref = luaL_ref(L, LUA_REGISTRYINDEX);  /* pops the copy */
}

/* engine_unbind - forget self and class of an adopted conn */
void
engine_unbind(struct lconn *c)
{
    if (c->L != NULL) {
        luaL_unref(c->L, LUA_REGISTRYINDEX, c->self_ref);
        luaL_unref(c->L, LUA_REGISTRYINDEX, c->class_ref);
        c->self_ref = c->class_ref = LUA_NOREF;
        c->L = NULL;
    }
}

/* engine_open - create the connection's Lua state on its generation: 0,
 * ENGINE_NO_STATE without memory for a state, -1 if the setup (the
 * script's top level) failed */
int
engine_open(struct lconn *c, char *err, size_t errlen)
{
    lua_State *L;
    int rc;

    c->mem_limit = c->script != NULL ? c->script->cfg->memory_limit : 0;
    L = lstate_new(c, err, errlen);
    if (L == NULL)
        return ENGINE_NO_STATE;
    *actions_slot(L) = c;
    if (lstate_set_owner(L, c) != LUA_OK) {
        snprintf(err, errlen, "cannot set up a Lua state (out of memory)");
        engine_close(c);
        return ENGINE_NO_STATE;
    }
    rc = timed_pcall(c, L, ST_NONE, setup_state, c, err, errlen);
    if (rc != LUA_OK) {
        lstate_limit_note(c, err, errlen);
        engine_close(c);
        return -1;
    }
    return 0;
}

/* engine_close - close the connection's Lua state */
void
engine_close(struct lconn *c)
{
    lstate_close(c);
}

static engine_tester engine_test_runner;

/* engine_set_tester - install the in-policy test runner */
void
engine_set_tester(engine_tester fn)
{
    engine_test_runner = fn;
}

/* engine_check - build a throwaway state from a generation to validate
 * it, then hand it to the in-policy test runner, which runs each test on
 * a connection of its own */
int
engine_check(struct script *s, char *err, size_t errlen)
{
    struct lconn tmp;
    int rc;

    memset(&tmp, 0, sizeof tmp);
    tmp.script = s;
    tmp.mode = MODULE_TEST;
    tmp.check = 1;
    lstate_watch(&tmp);                 /* the watchdog sees it stuck */
    rc = engine_open(&tmp, err, errlen);
    if (rc == 0 && engine_test_runner != NULL)
        rc = engine_test_runner(&tmp, s, err, errlen);
    engine_close(&tmp);
    lstate_unwatch(&tmp);
    return rc;
}

/* set_both - t[i] and t.name = the value on top (popped), t at -2 */
static void
set_both(lua_State *L, lua_Integer i, const char *name)
{
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, i);
    lua_setfield(L, -2, name);
}

/* push_hostaddr - connect's hostaddr: {ip, port} (also .ip, .port), for
 * inet6 {ip, port, flowinfo, scope_id} (also by name), as pymilter */
static void
push_hostaddr(lua_State *L, const struct ev_arg *a)
{
    int six = a->kind == EV_ADDR6;

    lua_createtable(L, six ? 4 : 2, six ? 4 : 2);
    lua_pushstring(L, a->s);
    set_both(L, 1, "ip");
    lua_pushinteger(L, (lua_Integer)a->i);
    set_both(L, 2, "port");
    if (six) {
        lua_pushinteger(L, (lua_Integer)a->flowinfo);
        set_both(L, 3, "flowinfo");
        lua_pushinteger(L, (lua_Integer)a->scope_id);
        set_both(L, 4, "scope_id");
    }
}

/* push_event - push a callback's arguments; returns how many */
static int
push_event(lua_State *L, const struct event *ev)
{
    int i, n = 0;

    luaL_checkstack(L, ev->argc + 8, "too many callback arguments");
    for (i = 0; i < ev->argc; i++, n++) {
        const struct ev_arg *a = &ev->argv[i];
        switch (a->kind) {
        case EV_STR:
            lua_pushlstring(L, a->s, a->len);
            break;
        case EV_INT:
            lua_pushinteger(L, (lua_Integer)a->i);
            break;
        case EV_ADDR:
        case EV_ADDR6:
            push_hostaddr(L, a);
            break;
        default:
            lua_pushnil(L);
            break;
        }
    }
    if (ev->strv != NULL) {
        char **p;
        for (p = ev->strv; *p != NULL; p++, n++) {
            luaL_checkstack(L, 2, "too many callback arguments");
            lua_pushstring(L, *p);
        }
    }
    return n;
}

/* to_status - a callback's return value as a status, or raise */
static int
to_status(lua_State *L, int idx, int fn, enum stage st)
{
    int status = -1;
    lua_Debug ar;

    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return SMFIS_CONTINUE;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            lua_Integer v = lua_tointeger(L, idx);
            status = verdict_from_code((long long)v);
            if (st == ST_NEGOTIATE && v == SMFIS_ALL_OPTS)
                status = SMFIS_ALL_OPTS;
        }
        break;
    case LUA_TSTRING:
        status = verdict_from_name(lua_tostring(L, idx));
        break;
    default:
        break;
    }
    if (status >= 0)
        return status;
    lua_pushvalue(L, fn);
    lua_getinfo(L, ">S", &ar);
    return luaL_error(L, "%s:%d: %s() returned %s '%s', which is not a milter "
                      "status (return nil, milter.CONTINUE, milter.REJECT, "
                      "... or the name, e.g. \"reject\")", ar.short_src,
                      ar.linedefined, stage_name(st), luaL_typename(L, idx),
                      luaL_tolstring(L, idx, NULL));
}

/* run_callback - call self:<callback>(args) and check the result */
static int
run_callback(lua_State *L)
{
    struct call *k = lua_touserdata(L, 1);
    struct lconn *c = k->c;
    int fn, nres = k->st == ST_NEGOTIATE ? 3 : 1, nargs, i;

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->class_ref);
    lua_getfield(L, -1, stage_info(k->st)->callback);
    if (!lua_isfunction(L, -1)) {
        k->res->status = SMFIS_CONTINUE;
        return 0;
    }
    fn = lua_gettop(L);
    lua_pushvalue(L, fn);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->self_ref);
    nargs = push_event(L, k->ev);
    lua_call(L, 1 + nargs, nres);
    k->res->status = to_status(L, fn + 1, fn, k->st);
    for (i = 0; i < nres - 1; i++) {
        int idx = fn + 2 + i;
        if (lua_isnil(L, idx))
            break;
        if (!lua_isinteger(L, idx))
            return luaL_error(L, "negotiate() result %d must be an integer "
                              "bit mask, got %s", i + 2, luaL_typename(L, idx));
        k->res->extra[i] = (long long)lua_tointeger(L, idx);
        k->res->nextra = i + 1;
    }
    return 0;
}

/* engine_call - run a stage's callback; 0, or -1 with the error (its
 * traceback, and the limit it ran into) in err */
int
engine_call(struct lconn *c, enum stage st, const struct event *ev,
            struct call_result *res, char *err, size_t errlen)
{
    struct call k;
    int rc;

    memset(res, 0, sizeof *res);
    if (c->L == NULL) {
        snprintf(err, errlen, "the policy has no Lua state");
        return -1;
    }
    k.c = c;
    k.st = st;
    k.ev = ev;
    k.res = res;
    rc = timed_pcall(timed_by(c), c->L, st, run_callback, &k, err, errlen);
    if (rc != LUA_OK) {
        lstate_limit_note(c, err, errlen);
        return -1;
    }
    return 0;
}

/* macro_list - the macros of one symlist entry as one spaced string */
static const char *
macro_list(lua_State *L, int idx)
{
    luaL_Buffer b;
    lua_Integer i, n;

    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tostring(L, idx);
    n = (lua_Integer)lua_rawlen(L, idx);
    luaL_buffinit(L, &b);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "symlist entries must be macro names (strings)");
        if (i > 1)
            luaL_addchar(&b, ' ');
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

/* apply_symlists - send the class's declared macro lists (protected) */
static int
apply_symlists(lua_State *L)
{
    struct lconn *c = lua_touserdata(L, 1);
    int t;

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->class_ref);
    lua_getfield(L, -1, "symlist");
    if (!lua_istable(L, -1))
        return 0;
    if ((c->actions & SMFIF_SETSYMLIST) == 0) {
        log_warn("conn#%lu: the MTA does not accept macro lists; symlist "
                 "ignored", c->id);      /* negotiate: no queue id yet */
        return 0;
    }
    t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        const char *key = lua_tostring(L, t + 1);
        int stage = stage_symlist_parse(key);
        const char *macros = macro_list(L, t + 2);

        if (stage >= 0 && (c->symlists_set & (1u << stage)) == 0 &&
            mta_setsymlist(&c->mta, stage, macros) != MI_SUCCESS)
            return luaL_error(L, "symlist.%s: libmilter refused the macro "
                              "list", key);
        lua_settop(L, t + 1);                   /* keep the key */
    }
    return 0;
}

/* engine_protected - run fn(ud) in c's state under its budget, timed as
 * stage st; 0, or -1 with the error in err */
int
engine_protected(struct lconn *c, enum stage st, int (*fn)(lua_State *),
                 void *ud, char *err, size_t errlen)
{
    if (c->L == NULL)
        return 0;
    if (timed_pcall(timed_by(c), c->L, st, fn, ud, err, errlen) != LUA_OK) {
        lstate_limit_note(c, err, errlen);
        return -1;
    }
    return 0;
}

/* engine_apply_symlists - apply declared macro lists; -1 with the error */
int
engine_apply_symlists(struct lconn *c, char *err, size_t errlen)
{
    return engine_protected(c, ST_NEGOTIATE, apply_symlists, c, err, errlen);
}
