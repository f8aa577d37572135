/*
 * libcache.c - the package searcher of the library's bytecode (libcache.h).
 */
#include "libcache.h"
#include "package_view.h"
#include "script.h"

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

/* cached_searcher - Lua's file searcher, but for a module that
 * package.searchpath finds in the library it gives the generation's
 * bytecode (upvalue 1: the real package table, 2: the generation, 3:
 * Lua's own searcher, which handles every other module) */
static int
cached_searcher(lua_State *L)
{
    const struct script *s = lua_touserdata(L, lua_upvalueindex(2));
    const char *name = luaL_checkstring(L, 1), *path;
    size_t i;

    lua_getfield(L, lua_upvalueindex(1), "searchpath");
    lua_pushstring(L, name);
    lua_getfield(L, lua_upvalueindex(1), "path");
    lua_call(L, 2, 1);
    path = lua_tostring(L, -1);
    for (i = 0; path != NULL && i < s->nmods; i++) {
        const struct script_module *m = &s->mods[i];
        if (strcmp(m->path, path) != 0)
            continue;
        if (luaL_loadbufferx(L, (const char *)m->chunk.code, m->chunk.len,
                             m->chunk.name, "b") != LUA_OK)
            return lua_error(L);
        lua_pushstring(L, path);                /* the loader's 2nd arg */
        return 2;
    }
    lua_settop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_insert(L, 1);
    lua_call(L, 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* libcache_install - make Lua's file searcher (searchers[2]) in L use
 * s's library bytecode (raises on OOM) */
void
libcache_install(lua_State *L, const struct script *s)
{
    if (s->nmods == 0)
        return;
    lua_getfield(L, LUA_REGISTRYINDEX, PACKAGE_VIEW_REAL);
    lua_getfield(L, -1, "searchers");           /* package searchers */
    lua_pushvalue(L, -2);
    lua_pushlightuserdata(L, (void *)s);
    lua_rawgeti(L, -3, 2);                      /* Lua's file searcher */
    lua_pushcclosure(L, cached_searcher, 3);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 2);
}
