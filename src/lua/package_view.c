/*
 * package_view.c - the package table a policy sees (package_view.h).
 */
#include "package_view.h"

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#define CONFIG_SAYS "require searches only what the config sets ('lua_path', " \
    "'lua_allow = syspath' or 'cmodules')"

/* refuse_write - __newindex of a read-only view (upvalue: its name) */
static int
refuse_write(lua_State *L)
{
    const char *what = lua_tostring(L, lua_upvalueindex(1));

    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "'%s.%s' cannot be changed by a policy: %s",
                          what, lua_tostring(L, 2), CONFIG_SAYS);
    if (lua_type(L, 2) == LUA_TNUMBER)
        return luaL_error(L, "'%s[%s]' cannot be changed by a policy: %s",
                          what, lua_tostring(L, 2), CONFIG_SAYS);
    return luaL_error(L, "'%s' cannot be changed by a policy: %s", what,
                      CONFIG_SAYS);
}

/* view_len - __len of a read-only view: the length of what it shows */
static int
view_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
    return 1;
}

/* view_next - the next function pairs() gets for a view */
static int
view_next(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1)))
        return 2;
    lua_pushnil(L);
    return 1;
}

/* view_pairs - __pairs of a read-only view: walks what it shows */
static int
view_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, view_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* push_readonly - replace the table on top by a read-only view of it;
 * what names it in errors */
static void
push_readonly(lua_State *L, const char *what)
{
    static const struct {
        const char *name;
        lua_CFunction fn;
    } meta[] = {{"__len", view_len}, {"__pairs", view_pairs}, {NULL, NULL}};
    int i;

    lua_createtable(L, 0, 0);                   /* target view */
    lua_createtable(L, 0, 5);                   /* target view mt */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    for (i = 0; meta[i].name != NULL; i++) {
        lua_pushvalue(L, -3);
        lua_pushcclosure(L, meta[i].fn, 1);
        lua_setfield(L, -2, meta[i].name);
    }
    lua_pushstring(L, what);
    lua_pushcclosure(L, refuse_write, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_remove(L, -2);                          /* the target */
}

/* is_search_path - whether path is the real package table's field */
static int
is_search_path(lua_State *L, const char *field, const char *path)
{
    int same;

    lua_getfield(L, lua_upvalueindex(1), field);
    same = lua_type(L, -1) == LUA_TSTRING &&
           strcmp(lua_tostring(L, -1), path) == 0;
    lua_pop(L, 1);
    return same;
}

/* limited_searchpath - package.searchpath over package.path or
 * package.cpath only, with the default separators (upvalue: the real
 * package table), so that it probes no file outside those directories */
static int
limited_searchpath(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const char *path = luaL_checkstring(L, 2);
    const char *sep = luaL_optstring(L, 3, ".");
    const char *rep = luaL_optstring(L, 4, LUA_DIRSEP);

    if ((!is_search_path(L, "path", path) &&
         !is_search_path(L, "cpath", path)) ||
        strcmp(sep, ".") != 0 || strcmp(rep, LUA_DIRSEP) != 0)
        return luaL_error(L, "package.searchpath: a policy may search only "
                          "package.path or package.cpath, with the default "
                          "separators: %s", CONFIG_SAYS);
    lua_getfield(L, lua_upvalueindex(1), "searchpath");
    lua_pushstring(L, name);
    lua_pushstring(L, path);
    lua_call(L, 2, 2);
    return 2;
}

/* package_view_open - the policy's package table (a lazy library opener,
 * see sandbox.c): a read-only view of the real one */
int
package_view_open(lua_State *L)
{
    static const char *const shown[] = {
        "config", "cpath", "loaded", "loadlib", "path", "preload", NULL
    };
    int i, real;

    lua_getfield(L, LUA_REGISTRYINDEX, PACKAGE_VIEW_REAL);
    real = lua_gettop(L);
    lua_createtable(L, 0, 8);
    for (i = 0; shown[i] != NULL; i++) {
        lua_getfield(L, real, shown[i]);
        lua_setfield(L, -2, shown[i]);
    }
    lua_pushvalue(L, real);
    lua_pushcclosure(L, limited_searchpath, 1);
    lua_setfield(L, -2, "searchpath");
    lua_getfield(L, real, "searchers");
    push_readonly(L, "package.searchers");
    lua_setfield(L, -2, "searchers");
    push_readonly(L, "package");
    return 1;
}
