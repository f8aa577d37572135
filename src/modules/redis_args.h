/*
 * redis_args.h - commands from Lua values, as byte strings for hiredis.
 *
 * Arguments are strings (bytes kept, NULs too) or numbers: integers as
 * decimals, floats that hold a whole number as that number ("60", never
 * "60.0", so EXPIRE k 3600/60 works), other floats in the shortest form
 * that reads back the same, infinities as "inf"/"-inf"; NaN and any other
 * type raise.  The argument vectors live in a userdata and the converted
 * numbers in an anchor table, both left on the Lua stack: everything the
 * vectors point to stays alive while they are there, and an error raised
 * half-way leaks nothing.
 */
#ifndef LUAMILTER_REDIS_ARGS_H
#define LUAMILTER_REDIS_ARGS_H

#include <stddef.h>

#include <lua.h>

/* one or more commands, back to back in argv/len */
struct redis_args {
    int ncmds;
    int total;                  /* arguments of all commands */
    int *argc;                  /* per command */
    const char **argv;
    size_t *len;
};

void redis_args_alloc(lua_State *L, struct redis_args *a, int ncmds,
                      int total);
const char *redis_args_value(lua_State *L, int idx, int anchor, size_t *len,
                             const char *what, int argn);
void redis_args_table(lua_State *L, int t, int anchor, struct redis_args *a,
                      int *pos, const char *what);

#endif
