/*
 * sandbox.c - the policy's standard library (see sandbox.h).
 */
#include "sandbox.h"
#include "budget.h"
#include "config.h"
#include "log.h"
#include "package_view.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned grant;
} denied_globals[] = {
    {"io", CONFIG_ALLOW_IO},
    {"debug", CONFIG_ALLOW_DEBUG},
    {"dofile", CONFIG_ALLOW_LOAD},
    {"loadfile", CONFIG_ALLOW_LOAD},
    {NULL, 0}
};

static const char *const os_kept[] = {
    "clock", "date", "difftime", "getenv", "time", NULL
};

struct lazy_lib {
    const char *name;
    lua_CFunction open;
    unsigned grant;         /* 0: always available */
};

/* libraries opened on first use, as a global or through require (both
 * name the same table), to keep idle connection states small */
static const struct lazy_lib lazy_libs[] = {
    {LUA_COLIBNAME, luaopen_coroutine, 0},
    {LUA_TABLIBNAME, luaopen_table, 0},
    {LUA_MATHLIBNAME, luaopen_math, 0},
    {LUA_UTF8LIBNAME, luaopen_utf8, 0},
    {LUA_OSLIBNAME, luaopen_os, 0},
    {LUA_LOADLIBNAME, package_view_open, 0},    /* the read-only view */
    {LUA_IOLIBNAME, luaopen_io, CONFIG_ALLOW_IO},
    {LUA_DBLIBNAME, luaopen_debug, CONFIG_ALLOW_DEBUG},
    {NULL, NULL, 0}
};

static void trim_os(lua_State *L);

/* lock_metatable - hide the registry metatable tname from getmetatable, so
 * no script can add a __gc (finalizers run where no time limit reaches) */
static void
lock_metatable(lua_State *L, const char *tname)
{
    luaL_getmetatable(L, tname);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* open_lazy - library i, opened now unless require or a global lookup
 * did already, left on the stack; it is then both the global and
 * package.loaded's entry */
static void
open_lazy(lua_State *L, int i, unsigned allow)
{
    const char *name = lazy_libs[i].name;

    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushstring(L, name);
    if (lua_rawget(L, -2) == LUA_TNIL) {        /* raw: no loaded_index */
        lua_pop(L, 1);
        lua_pushcfunction(L, lazy_libs[i].open);
        lua_pushstring(L, name);
        lua_call(L, 1, 1);
        if (lazy_libs[i].open == luaopen_coroutine)
            budget_guard_coroutine(L);
        if (lazy_libs[i].open == luaopen_io)
            lock_metatable(L, LUA_FILEHANDLE);
        if (lazy_libs[i].open == luaopen_os &&
            (allow & CONFIG_ALLOW_OS) == 0)
            trim_os(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, name);              /* package.loaded[name] */
    }
    lua_remove(L, -2);                          /* package.loaded */
    lua_pushvalue(L, -1);
    lua_setglobal(L, name);
}

/* open_granted - open the lazy library named k if the policy has it;
 * 1 with it on the stack, else 0 */
static int
open_granted(lua_State *L, const char *k, unsigned allow)
{
    int i;

    for (i = 0; k != NULL && lazy_libs[i].name != NULL; i++) {
        if (strcmp(k, lazy_libs[i].name) == 0 &&
            (lazy_libs[i].grant == 0 || (allow & lazy_libs[i].grant))) {
            open_lazy(L, i, allow);
            return 1;
        }
    }
    return 0;
}

/* deny_index - __index of _G: opens lazy libraries, raises for denied
 * names, nil for the rest */
static int
deny_index(lua_State *L)
{
    const char *k = lua_tostring(L, 2);
    unsigned allow = (unsigned)lua_tointeger(L, lua_upvalueindex(1));
    int i;

    if (open_granted(L, k, allow))
        return 1;
    for (i = 0; k != NULL && denied_globals[i].name != NULL; i++)
        if (strcmp(k, denied_globals[i].name) == 0)
            return luaL_error(L, "'%s' is not available to policies; "
                              "grant it with 'lua_allow = %s' in the "
                              "config", k,
                              config_allow_name(denied_globals[i].grant));
    return 0;
}

/* loaded_index - __index of package.loaded: require "math" (and every
 * library the policy has) finds the library, opened on first use */
static int
loaded_index(lua_State *L)
{
    unsigned allow = (unsigned)lua_tointeger(L, lua_upvalueindex(1));

    if (lua_type(L, 2) != LUA_TSTRING)
        return 0;
    return open_granted(L, lua_tostring(L, 2), allow);
}

/* deny_os_index - __index of the trimmed os table */
static int
deny_os_index(lua_State *L)
{
    const char *k = lua_tostring(L, 2);

    return luaL_error(L, "'os.%s' is not available to policies; grant the "
                      "whole os library with 'lua_allow = os' in the config",
                      k != NULL ? k : "?");
}

/* text_load - load() that refuses binary chunks */
static int
text_load(lua_State *L)
{
    const char *mode = luaL_optstring(L, 3, "bt");

    if (strchr(mode, 'b') != NULL && strchr(mode, 't') == NULL)
        return luaL_error(L, "load: binary chunks are not available to "
                          "policies; grant them with 'lua_allow = load'");
    lua_settop(L, 4);
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));      /* the real load */
    lua_insert(L, 1);
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L);
}

/* no_gc_setmetatable - setmetatable() that refuses a metatable with a
 * __gc field: Lua runs finalizers with hooks off, where callback_timeout
 * cannot stop a looping one */
static int
no_gc_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc metamethods are not "
                              "available to policies (callback_timeout "
                              "cannot stop a finalizer); grant them with "
                              "'lua_allow = gc' in the config");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));      /* the real setmetatable */
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* log_print - print() writing one info log line */
static int
log_print(lua_State *L)
{
    int i, n = lua_gettop(L);
    luaL_Buffer b;

    luaL_buffinit(L, &b);
    for (i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    log_info("print: %s", lua_tostring(L, -1));
    return 0;
}

/* open_lib - open one library as a global */
static void
open_lib(lua_State *L, const char *name, lua_CFunction fn)
{
    luaL_requiref(L, name, fn, 1);
    lua_pop(L, 1);
}

/* trim_os - replace the full os table on top by one holding only the
 * harmless functions */
static void
trim_os(lua_State *L)
{
    int i;

    lua_createtable(L, 0, 5);
    for (i = 0; os_kept[i] != NULL; i++) {
        lua_getfield(L, -2, os_kept[i]);
        lua_setfield(L, -2, os_kept[i]);
    }
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, deny_os_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_remove(L, -2);                          /* the full os table */
}

/* grant_hint - last package searcher: says which lua_allow word would
 * give the module (a standard library) or let require look further */
static int
grant_hint(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    unsigned allow = (unsigned)lua_tointeger(L, lua_upvalueindex(1));
    int i;

    for (i = 0; lazy_libs[i].name != NULL; i++) {
        if (lazy_libs[i].grant != 0 && strcmp(name, lazy_libs[i].name) == 0) {
            lua_pushfstring(L, "(luamilter: '%s' is a standard library not "
                            "available to policies; grant it with "
                            "'lua_allow = %s' in the config)", name,
                            config_allow_name(lazy_libs[i].grant));
            return 1;
        }
    }
    if ((allow & CONFIG_ALLOW_SYSPATH) && (allow & CONFIG_ALLOW_CMODULES))
        return 0;
    lua_pushfstring(L, "(luamilter: %s%s%s)",
                    (allow & CONFIG_ALLOW_SYSPATH) ? "" :
                    "'lua_allow = syspath' searches the system's Lua module "
                    "directories",
                    (allow & (CONFIG_ALLOW_SYSPATH | CONFIG_ALLOW_CMODULES))
                        ? "" : "; ",
                    (allow & CONFIG_ALLOW_CMODULES) ? "" :
                    "'lua_allow = cmodules' loads C modules");
    return 1;
}

/* no_loadlib - package.loadlib without the cmodules grant */
static int
no_loadlib(lua_State *L)
{
    return luaL_error(L, "'package.loadlib' is not available to policies; "
                      "grant C modules with 'lua_allow = cmodules' in the "
                      "config");
}

/* limit_package - the package table on top searches only the config's
 * paths, no C modules without the grant, and never the environment's
 * LUA_PATH/LUA_CPATH */
static void
limit_package(lua_State *L, unsigned allow, const char *path)
{
    lua_pushstring(L, path);
    lua_setfield(L, -2, "path");
    if ((allow & CONFIG_ALLOW_CMODULES) == 0) {
        lua_pushliteral(L, "");
        lua_setfield(L, -2, "cpath");
        lua_pushcfunction(L, no_loadlib);
        lua_setfield(L, -2, "loadlib");
        lua_getfield(L, -1, "searchers");
        lua_pushnil(L);
        lua_rawseti(L, -2, 4);                  /* all-in-one C loader */
        lua_pushnil(L);
        lua_rawseti(L, -2, 3);                  /* C loader */
        lua_pop(L, 1);
    } else {
        lua_pushliteral(L, LUA_CPATH_DEFAULT);
        lua_setfield(L, -2, "cpath");
    }
    lua_getfield(L, -1, "searchers");
    lua_pushinteger(L, (lua_Integer)allow);
    lua_pushcclosure(L, grant_hint, 1);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
}

/* set_lazy_index - give table t (on top) an __index opening the lazy
 * libraries through fn */
static void
set_lazy_index(lua_State *L, unsigned allow, lua_CFunction fn)
{
    lua_createtable(L, 0, 1);
    lua_pushinteger(L, (lua_Integer)allow);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

/* sandbox_open - open the libraries a policy may use (raises on OOM) */
void
sandbox_open(lua_State *L, unsigned allow, const char *path)
{
    open_lib(L, LUA_GNAME, luaopen_base);
    lua_pushcfunction(L, luaopen_package);      /* sets the global require; */
    lua_call(L, 0, 1);                          /* the policy's package is */
    limit_package(L, allow, path);              /* a view (package_view.c) */
    lua_setfield(L, LUA_REGISTRYINDEX, PACKAGE_VIEW_REAL);
    open_lib(L, LUA_STRLIBNAME, luaopen_string);
    if ((allow & CONFIG_ALLOW_LOAD) == 0) {
        lua_pushnil(L);
        lua_setglobal(L, "dofile");
        lua_pushnil(L);
        lua_setglobal(L, "loadfile");
        lua_getglobal(L, "load");
        lua_pushcclosure(L, text_load, 1);
        lua_setglobal(L, "load");
    }
    if ((allow & CONFIG_ALLOW_GC) == 0) {
        lua_getglobal(L, "setmetatable");
        lua_pushcclosure(L, no_gc_setmetatable, 1);
        lua_setglobal(L, "setmetatable");
    }
    lua_pushcfunction(L, log_print);
    lua_setglobal(L, "print");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    set_lazy_index(L, allow, loaded_index);
    lua_pop(L, 1);
    lua_pushglobaltable(L);
    set_lazy_index(L, allow, deny_index);
    lua_pop(L, 1);
}
