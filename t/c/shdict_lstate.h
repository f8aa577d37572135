/* shdict_lstate.h - a bare lua_State for the shared-dictionary tests and
 * benchmark: standard libraries, bound to a set, milter.shared both
 * preloaded (require works) and in the global `shared`. */
#ifndef LUAMILTER_T_SHDICT_LSTATE_H
#define LUAMILTER_T_SHDICT_LSTATE_H

#include <lauxlib.h>
#include <lualib.h>

#include "shdict_lua.h"

/* shdict_test_state - a new state that sees set's dictionaries, or NULL */
static inline lua_State *
shdict_test_state(struct shdict_set *set)
{
    lua_State *L = luaL_newstate();

    if (L == NULL)
        return NULL;
    luaL_openlibs(L);
    shdict_lua_bind(L, set);
    luaL_requiref(L, "milter.shared", luaopen_milter_shared, 1);
    lua_setglobal(L, "shared");
    return L;
}

#endif
