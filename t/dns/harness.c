/*
 * harness.c - runs a Lua test script with milter.dns opened as a policy
 * state would open it, against the real test server (t/dns/run).
 *
 *   dns_harness MODE CONF SCRIPT
 *
 * MODE is live (the module sends to the servers of CONF) or test (it
 * answers from stubs, as in in-policy tests).  CONF is a luamilter config
 * file (its dns_* keys are used).  The script gets the whole standard
 * library and these globals:
 *   set_budget(s)     what the callback's remaining budget is said to be
 *                     (seconds; negative: no limit), through dns_remaining
 *   set_stubs(t)      put t in the registry as the stubs of milter.dns
 *   cancel_pending()  dns_cancel_pending, as the core calls it at abort
 *   now()             the monotonic clock in seconds
 *   with_state(code)  run the chunk code (given milter.dns as ...) in a
 *                     fresh state, then close that state; what it
 *                     returned, as a string, or nil and its error
 * Its exit status is the script's (it prints TAP itself).
 */
#include "config.h"
#include "dns.h"
#include "dns_stub.h"
#include "module.h"
#include "monotime.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double budget_left = -1;
static double budget_set_at;
static struct module_env harness_env;

/* budget_remaining - the budget set_budget gave, counting down */
static double
budget_remaining(lua_State *L)
{
    (void)L;
    if (budget_left < 0)
        return -1;
    return budget_left - (mono_now() - budget_set_at);
}

/* l_set_budget - set_budget(seconds) */
static int
l_set_budget(lua_State *L)
{
    budget_left = luaL_checknumber(L, 1);
    budget_set_at = mono_now();
    return 0;
}

/* l_set_stubs - set_stubs(t) */
static int
l_set_stubs(lua_State *L)
{
    lua_settop(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, DNS_STUB_KEY);
    return 0;
}

/* l_cancel_pending - cancel_pending() */
static int
l_cancel_pending(lua_State *L)
{
    dns_cancel_pending(L);
    return 0;
}

/* l_now - now() */
static int
l_now(lua_State *L)
{
    lua_pushnumber(L, mono_now());
    return 1;
}

static lua_State *open_state(void);

/* l_with_state - with_state(fn): fn(dns) in a fresh state, closed after;
 * returns what fn returned as a string (or nil, error) */
static int
l_with_state(lua_State *L)
{
    lua_State *S = open_state();
    size_t len;
    const char *code;
    int rc;

    code = luaL_checklstring(L, 1, &len);
    rc = luaL_loadbuffer(S, code, len, "=with_state");
    if (rc == LUA_OK) {
        lua_getglobal(S, "require");
        lua_pushliteral(S, "milter.dns");
        rc = lua_pcall(S, 1, 1, 0);
        if (rc == LUA_OK)
            rc = lua_pcall(S, 1, 1, 0);
    }
    if (rc != LUA_OK) {
        lua_pushnil(L);
        lua_pushstring(L, lua_tostring(S, -1));
        lua_close(S);
        return 2;
    }
    lua_pushstring(L, luaL_tolstring(S, -1, NULL));
    lua_close(S);
    return 1;
}

/* open_state - a state with the standard libraries and milter.dns */
static lua_State *
open_state(void)
{
    lua_State *L = luaL_newstate();

    if (L == NULL) {
        fprintf(stderr, "dns_harness: out of memory\n");
        exit(2);
    }
    luaL_openlibs(L);
    module_preload(L, &dns_module, &harness_env, 0);
    lua_register(L, "set_budget", l_set_budget);
    lua_register(L, "set_stubs", l_set_stubs);
    lua_register(L, "cancel_pending", l_cancel_pending);
    lua_register(L, "now", l_now);
    lua_register(L, "with_state", l_with_state);
    return L;
}

/* main - dns_harness MODE CONF SCRIPT */
int
main(int argc, char **argv)
{
    struct config *cfg;
    char err[1024];
    lua_State *L;
    int rc;

    if (argc != 4) {
        fprintf(stderr, "usage: dns_harness live|test CONF SCRIPT\n");
        return 2;
    }
    if (modules_init(err, sizeof err) < 0 || (cfg = config_new()) == NULL ||
        config_load(cfg, argv[2], err, sizeof err) < 0) {
        fprintf(stderr, "dns_harness: %s\n", err);
        return 2;
    }
    harness_env.cfg = cfg;
    harness_env.mode = strcmp(argv[1], "live") == 0 ? MODULE_LIVE
                                                    : MODULE_TEST;
    dns_remaining = budget_remaining;
    if (harness_env.mode == MODULE_LIVE &&
        modules_start(cfg, err, sizeof err) < 0) {
        fprintf(stderr, "dns_harness: %s\n", err);
        return 2;
    }
    L = open_state();
    lua_createtable(L, 1, 0);               /* arg[0]: the script */
    lua_pushstring(L, argv[3]);
    lua_rawseti(L, -2, 0);
    lua_setglobal(L, "arg");
    rc = luaL_dofile(L, argv[3]);
    if (rc != LUA_OK) {
        printf("not ok - the script failed: %s\n", lua_tostring(L, -1));
        rc = 1;
    } else {
        rc = lua_toboolean(L, -1) ? 0 : 1;
    }
    lua_close(L);
    modules_stop();
    config_unref(cfg);
    return rc;
}
