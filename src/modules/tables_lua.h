/*
 * tables_lua.h - the Lua binding of milter.tables.
 *
 *   local tables = require "milter.tables"
 *   tables.NAME:lookup(key)          -> result, or nil
 *   tables.NAME:lookup_domain(name)  -> result, key   (or nil)
 *   tables.NAME:lookup_address(addr) -> result, key   (or nil)
 *
 * The module's fields are the tables of the set the daemon gave the state
 * (tables_lua_sethost, before the script runs); reading a name the set
 * does not have raises, and so does writing to the module.  Keys are
 * bytes: one with a NUL matches nothing.  A lookup holds one version of
 * the table from start to end; a state keeps the version it used (no lock
 * for the next lookups) until a newer one is loaded, tables_lua_idle, or
 * lua_close.
 *
 *   tables_lua_sethost    give a state its tables (and its time budget)
 *   luaopen_milter_tables the module (for luaL_requiref / package.preload)
 *   tables_lua_idle       drop the table versions the state keeps
 *   tables_lua_declare    add a class's Policy.tables to a set
 *
 * Depends on tables.h (tables_registry.c), Lua 5.4.
 */
#ifndef LUAMILTER_LTABLES_H
#define LUAMILTER_LTABLES_H

#include <lua.h>
#include <stddef.h>

#include "tables.h"

/* the results a meter counts */
enum tables_result {
    TABLES_FOUND = 0,
    TABLES_NOTFOUND,
    TABLES_ERROR                /* the lookup raised (time or memory) */
};

/* who counts lookups (the daemon's metrics, for live connections): bind
 * gives what count is called with for one table name (once per handle);
 * count gets each lookup's result and seconds; neither may block or call
 * Lua */
struct tables_meter {
    void *(*bind)(const char *table);
    void (*count)(void *bound, int result, double seconds);
};

/* what a state's binding takes from the daemon; must outlive the state */
struct tables_lua_host {
    /* the tables this state sees (immutable while states use it) */
    const struct tables_set *set;
    /* seconds left to the running callback (<= 0: none), asked between
     * regexp rules; NULL: no limit */
    double (*remaining)(lua_State *L, void *ud);
    void *ud;
    /* counts the lookups, or NULL */
    const struct tables_meter *meter;
};

void tables_lua_sethost(lua_State *L, const struct tables_lua_host *host);
int luaopen_milter_tables(lua_State *L);
void tables_lua_idle(lua_State *L);

/* reads Policy.tables of the class at idx (may run its __index: call
 * under lua_pcall); adds each NAME = "TYPE:PATH" to set, PATH relative to
 * script_dir and confined to it, unless the set has NAME already (the
 * config's table = line wins); flags: more TABLES_* for tables_set_add;
 * -1 with err */
int tables_lua_declare(lua_State *L, int idx, struct tables_set *set,
                       const char *script_dir, unsigned flags, char *err,
                       size_t errlen);

#endif
