/*
 * dns.c - the milter.dns module descriptor, its per-state data and its
 * process hooks (see dns.h).
 */
#include "dns.h"
#include "budget.h"
#include "config.h"
#include "dns_api.h"
#include "dns_conf.h"
#include "dns_metrics.h"
#include "dns_resolver.h"
#include "dns_state.h"
#include "log.h"
#include "stage.h"

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

double (*dns_remaining)(lua_State *L) = budget_remaining;

static const char state_slot = 's';     /* registry: the state's userdata,
                                         * found without a string key */

/* state_in - L's milter.dns state, or NULL (never raises, allocates
 * nothing: the core calls it between callbacks) */
static struct dns_state *
state_in(lua_State *L)
{
    struct dns_state *st = NULL;

    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &state_slot) == LUA_TUSERDATA)
        st = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return st != NULL && !st->closed ? st : NULL;
}

/* state_gc - the Lua state closes: cancel and let go of its lookups, then
 * of its resolver */
static int
state_gc(lua_State *L)
{
    struct dns_state *st = luaL_checkudata(L, 1, DNS_STATE);

    if (st->closed)
        return 0;
    st->closed = 1;
    dns_state_cancel_all(st, 1);
    if (st->res != NULL)
        dns_resolver_unref(st->res);
    st->res = NULL;
    if (st->cond_ok)
        pthread_cond_destroy(&st->cond);
    st->cond_ok = 0;
    return 0;
}

/* dns_cancel_pending - see dns.h */
void
dns_cancel_pending(lua_State *L)
{
    struct dns_state *st = state_in(L);

    if (st != NULL)
        dns_state_cancel_message(st);
}

/* stage_end - the module's stage hook: what was sent at connect and helo
 * belongs to the connection (a lookup started at connect is collected in
 * a later message); at abort the message's lookups are cancelled */
static void
stage_end(lua_State *L, int stage)
{
    struct dns_state *st = state_in(L);

    if (st == NULL)
        return;
    if (stage == ST_CONNECT || stage == ST_HELO)
        dns_state_keep_held(st);
    else if (stage == ST_ABORT)
        dns_state_cancel_message(st);
}

/* new_state - the state's userdata (once per Lua state), pushed */
static struct dns_state *
new_state(lua_State *L, const struct module_env *env)
{
    struct dns_state *st;

    if (lua_getfield(L, LUA_REGISTRYINDEX, DNS_STATE_KEY) == LUA_TUSERDATA)
        return lua_touserdata(L, -1);
    lua_pop(L, 1);
    st = lua_newuserdatauv(L, sizeof *st, 0);
    memset(st, 0, sizeof *st);
    st->closed = 1;                         /* until fully made */
    if (luaL_newmetatable(L, DNS_STATE)) {
        lua_pushcfunction(L, state_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    st->cfg = env != NULL ? env->cfg : NULL;
    st->conf = dns_conf_of(st->cfg, dns_module.section);
    st->mode = env != NULL ? (int)env->mode : MODULE_REPLAY;
    st->live = st->mode == MODULE_LIVE || st->mode == MODULE_REPLAY_LIVE_IO;
    st->cond_ok = dns_cond_init(&st->cond) == 0;
    st->closed = 0;
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, DNS_STATE_KEY);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &state_slot);
    return st;
}

/* open_dns - require "milter.dns" (upvalue 1: the state's env) */
static int
open_dns(lua_State *L)
{
    const struct module_env *env = module_env(L);
    int idx;

    new_state(L, env);
    idx = lua_gettop(L);
    dns_handle_meta(L, idx);
    lua_createtable(L, 0, 8);
    lua_pushvalue(L, idx);
    luaL_setfuncs(L, dns_api_funcs, 1);
    lua_pushvalue(L, idx);
    luaL_setfuncs(L, dns_list_funcs, 1);
    return 1;
}

/* luaopen_milter_dns - see dns.h */
int
luaopen_milter_dns(lua_State *L)
{
    lua_pushcfunction(L, open_dns);         /* no env upvalue: defaults */
    lua_call(L, 0, 1);
    return 1;
}

/* start - the daemon's resolver, before the socket opens */
static int
start(const struct config *cfg, char *err, size_t errlen)
{
    const struct dns_conf *conf = dns_conf_of(cfg, dns_module.section);
    struct dns_resolver *r = dns_resolver_new(conf, err, errlen);

    dns_metrics_start();
    if (r == NULL)
        return -1;
    dns_resolver_set_current(r);
    log_info("dns: forwarding to %s", dns_resolver_servers(r));
    return 0;
}

/* reload - a new resolver when the servers or the cache size changed */
static int
reload(const struct config *old, const struct config *cfg, char *err,
       size_t errlen)
{
    const struct dns_conf *conf = dns_conf_of(cfg, dns_module.section);
    struct dns_resolver *cur, *r;

    (void)old;
    cur = dns_resolver_current(conf, err, errlen);
    if (cur != NULL && dns_resolver_same(cur, conf)) {
        dns_resolver_unref(cur);
        return 0;
    }
    dns_resolver_unref(cur);
    r = dns_resolver_new(conf, err, errlen);
    if (r == NULL)
        return -1;                  /* the old one keeps serving */
    dns_resolver_set_current(r);
    log_info("dns: now forwarding to %s", dns_resolver_servers(r));
    return 0;
}

/* stop - let go of the resolver (its users may still hold it) */
static void
stop(void)
{
    dns_resolver_set_current(NULL);
}

struct module dns_module = {
    .name = "milter.dns", .open = open_dns, .flags = MODULE_POLICY | MODULE_STUB,
    .keys = &dns_section, .start = start, .reload = reload, .stop = stop,
    .stage_end = stage_end
};
