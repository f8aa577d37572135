/*
 * redis_args.c - Lua values to command arguments (see redis_args.h).
 */
#include "redis_args.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* redis_args_alloc - room for ncmds commands of total arguments, as a
 * userdata pushed on the stack */
void
redis_args_alloc(lua_State *L, struct redis_args *a, int ncmds, int total)
{
    size_t n = (size_t)(total > 0 ? total : 1);
    size_t c = (size_t)(ncmds > 0 ? ncmds : 1);
    char *mem = lua_newuserdatauv(L, n * (sizeof(char *) + sizeof(size_t)) +
                                  c * sizeof(int), 0);  /* vectors */

    a->ncmds = ncmds;
    a->total = total;
    a->argv = (const char **)(void *)mem;
    a->len = (size_t *)(void *)(mem + n * sizeof(char *));
    a->argc = (int *)(void *)(mem + n * (sizeof(char *) + sizeof(size_t)));
}

/* format_float - the shortest %g form of a finite x that reads back as x */
static int
format_float(char *buf, size_t size, double x)
{
    int prec, n = 0;

    for (prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return n;
}

/* redis_args_value - the bytes of the value at idx (a string, or a number
 * converted and kept in the anchor table at anchor); raises for anything
 * else, naming what and argument argn */
const char *
redis_args_value(lua_State *L, int idx, int anchor, size_t *len,
                 const char *what, int argn)
{
    char buf[64];
    const char *s;
    lua_Number x;
    int n;

    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        return lua_tolstring(L, idx, len);
    case LUA_TNUMBER:
        break;
    default:
        luaL_error(L, "%s: argument #%d must be a string or a number, not "
                   "a %s", what, argn, luaL_typename(L, idx));
        return NULL;
    }
    if (lua_isinteger(L, idx)) {
        n = snprintf(buf, sizeof buf, LUA_INTEGER_FMT,
                     (LUAI_UACINT)lua_tointeger(L, idx));
    } else {
        x = lua_tonumber(L, idx);
        if (isnan(x))
            luaL_error(L, "%s: argument #%d is NaN", what, argn);
        if (isinf(x))
            n = snprintf(buf, sizeof buf, x > 0 ? "inf" : "-inf");
        else if (floor(x) == x && fabs(x) < 9.2e18)
            n = snprintf(buf, sizeof buf, "%lld", (long long)x);
        else
            n = format_float(buf, sizeof buf, x);
    }
    lua_pushlstring(L, buf, (size_t)n);                 /* the bytes */
    s = lua_tolstring(L, -1, len);
    lua_rawseti(L, anchor, (lua_Integer)lua_rawlen(L, anchor) + 1);
    return s;                   /* held by the anchor table */
}

/* redis_args_table - append the elements 1..#t of the table at t to a,
 * from a->argv[*pos] on */
void
redis_args_table(lua_State *L, int t, int anchor, struct redis_args *a,
                 int *pos, const char *what)
{
    lua_Integer i, n = (lua_Integer)lua_rawlen(L, t);

    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);                           /* t[i] */
        a->argv[*pos] = redis_args_value(L, -1, anchor, &a->len[*pos], what,
                                         (int)i);
        lua_pop(L, 1);          /* a string: held by t */
        (*pos)++;
    }
}
