/*
 * lib_milter.c - the `milter` library module (see lib_milter.h).
 */
#include "lib_milter.h"
#include "protomask.h"
#include "script.h"

#include <lauxlib.h>
#include <lua.h>

/* open_lib_milter - run the generation's milter.lua bytecode; the chunk
 * gets its name and a table of the C functions it offers */
static int
open_lib_milter(lua_State *L)
{
    const struct module_env *env = module_env(L);
    const struct script_chunk *lib = &env->script->lib;

    if (luaL_loadbufferx(L, (const char *)lib->code, lib->len, lib->name,
                         "b") != LUA_OK)
        return lua_error(L);
    lua_pushliteral(L, "milter");               /* the module name, and */
    lua_createtable(L, 0, 1);                   /* what C gives it */
    lua_pushcfunction(L, protomask_lua);
    lua_setfield(L, -2, "protocol_mask");
    lua_call(L, 2, 1);
    return 1;
}

struct module lib_milter_module = {
    "milter", open_lib_milter, 0, 0, MODULE_POLICY, NULL, 0, NULL, NULL, NULL,
    NULL, NULL
};
