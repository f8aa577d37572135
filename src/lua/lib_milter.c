/*
 * lib_milter.c - the `milter` library module (see lib_milter.h).
 */
#include "lib_milter.h"
#include "clock.h"
#include "script.h"

#include <lauxlib.h>
#include <lua.h>

/* open_lib_milter - run the generation's milter.lua bytecode; add the
 * functions it has from C (milter.now) */
static int
open_lib_milter(lua_State *L)
{
    const struct module_env *env = module_env(L);
    const struct script_chunk *lib = &env->script->lib;

    if (luaL_loadbufferx(L, (const char *)lib->code, lib->len, lib->name,
                         "b") != LUA_OK)
        return lua_error(L);
    lua_call(L, 0, 1);
    if (lua_istable(L, -1)) {
        lua_pushcfunction(L, clock_lua_now);
        lua_setfield(L, -2, "now");             /* milter.now() */
    }
    return 1;
}

struct module lib_milter_module = {
    "milter", open_lib_milter, 0, 0, MODULE_POLICY, NULL, 0, NULL, NULL, NULL
};
