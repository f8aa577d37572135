/*
 * tables_solo.c - milter.tables outside the daemon, for busted specs:
 * one registry and one set for the whole process, filled from a class's
 * Policy.tables.  Built into build/lua/tables_solo.so (make); a spec uses
 * it as
 *
 *   local so = "build/lua/tables_solo.so"
 *   package.preload["milter.tables"] =
 *       package.loadlib(so, "luaopen_milter_tables_solo")
 *   local declare = package.loadlib(so, "tables_solo_declare")
 *   declare(Policy, "dir/of/the/script")   -- loads Policy.tables
 *
 * Tables declared after the module is required are found by name when a
 * script first reads them.  Single-threaded use only.
 */
#include "tables_lua.h"

#include <lauxlib.h>

int luaopen_milter_tables_solo(lua_State *L);
int tables_solo_declare(lua_State *L);

static struct tables_reg *solo_reg;
static struct tables_set *solo_set;
static struct tables_lua_host solo_host;

/* solo_init - the process's registry and set, made on first use */
static void
solo_init(lua_State *L)
{
    if (solo_set != NULL)
        return;
    solo_reg = tables_reg_new(NULL);
    solo_set = solo_reg != NULL ? tables_set_new(solo_reg) : NULL;
    if (solo_set == NULL)
        luaL_error(L, "milter.tables: out of memory");
    solo_host.set = solo_set;
}

/* luaopen_milter_tables_solo - milter.tables over the process's set */
int
luaopen_milter_tables_solo(lua_State *L)
{
    solo_init(L);
    tables_lua_sethost(L, &solo_host);
    return luaopen_milter_tables(L);
}

/* tables_solo_declare - declare(class, script_dir): load the class's
 * tables into the process's set, as the daemon does at script load */
int
tables_solo_declare(lua_State *L)
{
    char err[1200];

    luaL_checktype(L, 1, LUA_TTABLE);
    solo_init(L);
    if (tables_lua_declare(L, 1, solo_set, luaL_optstring(L, 2, "."), 0,
                           err, sizeof err) < 0)
        return luaL_error(L, "%s", err);
    return 0;
}
