/*
 * lenv.c - driver input from Lua values (see lenv.h).
 *
 * Bad input never raises; only running out of memory does, so these run
 * in a C function called from Lua or under a protected call.
 */
#include "lenv.h"
#include "event.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <string.h>

/* lanchor_open - an empty anchor table in L's registry */
int
lanchor_open(struct lanchor *a, lua_State *L)
{
    a->L = L;
    a->n = 0;
    lua_newtable(L);
    a->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* lanchor_close - let the anchored strings go */
void
lanchor_close(struct lanchor *a)
{
    if (a->L != NULL)
        luaL_unref(a->L, LUA_REGISTRYINDEX, a->ref);
    a->L = NULL;
}

/* lanchor_string - the string at idx, kept alive by the anchor; NULL if
 * the value is not a string */
const char *
lanchor_string(struct lanchor *a, int idx, size_t *len)
{
    lua_State *L = a->L;
    const char *s;

    if (lua_type(L, idx) != LUA_TSTRING)
        return NULL;
    idx = lua_absindex(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->ref);
    lua_pushvalue(L, idx);
    lua_rawseti(L, -2, ++a->n);
    lua_pop(L, 1);
    s = lua_tolstring(L, idx, len);
    return s;
}

/* field - push t[name] (raw); its type */
static int
field(lua_State *L, int t, const char *name)
{
    lua_pushstring(L, name);
    return lua_rawget(L, t);
}

/* opt_string - t[name]: a string (anchored), or NULL when absent; -1 if
 * it is something else */
static int
opt_string(struct lanchor *a, int t, const char *name, const char **out,
           char *err, size_t errlen)
{
    lua_State *L = a->L;
    int type = field(L, t, name);

    *out = NULL;
    if (type == LUA_TSTRING)
        *out = lanchor_string(a, -1, NULL);
    lua_pop(L, 1);
    if (type != LUA_TSTRING && type != LUA_TNIL) {
        snprintf(err, errlen, "%s must be a string, got %s", name,
                 lua_typename(L, type));
        return -1;
    }
    return 0;
}

/* read_rcpts - rcpt: one address, or a list of them */
static int
read_rcpts(struct lanchor *a, int t, struct lenv *e, char *err,
           size_t errlen)
{
    lua_State *L = a->L;
    int type = field(L, t, "rcpt");
    lua_Integer i, n;
    int rc = 0;

    if (type == LUA_TSTRING) {
        e->rcpts[0] = lanchor_string(a, -1, NULL);
        e->env.nrcpts = 1;
    } else if (type == LUA_TTABLE) {
        n = (lua_Integer)lua_rawlen(L, -1);
        for (i = 1; i <= n && rc == 0; i++) {
            if (i > LENV_MAX_RCPTS) {
                snprintf(err, errlen, "rcpt: more than %d recipients",
                         LENV_MAX_RCPTS);
                rc = -1;
            } else if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
                snprintf(err, errlen, "rcpt[%lld] must be a string, got %s",
                         (long long)i, luaL_typename(L, -1));
                rc = -1;
            } else {
                e->rcpts[e->env.nrcpts++] = lanchor_string(a, -1, NULL);
            }
            if (i <= LENV_MAX_RCPTS)
                lua_pop(L, 1);
        }
    } else if (type != LUA_TNIL) {
        snprintf(err, errlen, "rcpt must be an address or a list of them, "
                 "got %s", lua_typename(L, type));
        rc = -1;
    }
    lua_pop(L, 1);
    e->env.rcpts = e->env.nrcpts > 0 ? e->rcpts : NULL;
    return rc;
}

/* read_macros - macros: {name = value}, set before the first stage */
static int
read_macros(struct lanchor *a, int t, struct lenv *e, char *err,
            size_t errlen)
{
    lua_State *L = a->L;
    int type = field(L, t, "macros"), tbl = lua_gettop(L);

    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (type != LUA_TTABLE) {
        snprintf(err, errlen, "macros must be a table {name = value}, got "
                 "%s", lua_typename(L, type));
        lua_pop(L, 1);
        return -1;
    }
    lua_pushnil(L);
    while (lua_next(L, tbl) != 0) {
        struct driver_macro *m = &e->macros[e->env.nmacros];
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
            snprintf(err, errlen, "macros: names and values must be "
                     "strings");
            lua_settop(L, tbl - 1);
            return -1;
        }
        if (e->env.nmacros == LENV_MAX_MACROS) {
            snprintf(err, errlen, "macros: more than %d", LENV_MAX_MACROS);
            lua_settop(L, tbl - 1);
            return -1;
        }
        m->stage = -1;
        m->name = lanchor_string(a, -2, NULL);
        m->value = lanchor_string(a, -1, NULL);
        e->env.nmacros++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    e->env.macros = e->macros;
    return 0;
}

/* lenv_read - a transaction's environment from the table at idx: from,
 * rcpt, client, family, port, hostname, helo, queue_id, macros (any may
 * be absent); 0, or -1 and what is wrong */
int
lenv_read(struct lanchor *a, int idx, struct lenv *e, char *err,
          size_t errlen)
{
    lua_State *L = a->L;
    int t = lua_absindex(L, idx), type;

    memset(e, 0, sizeof *e);
    if (lua_isnoneornil(L, t))
        return 0;
    if (!lua_istable(L, t)) {
        snprintf(err, errlen, "the environment must be a table, got %s",
                 luaL_typename(L, t));
        return -1;
    }
    if (opt_string(a, t, "from", &e->env.from, err, errlen) < 0 ||
        opt_string(a, t, "client", &e->env.client, err, errlen) < 0 ||
        opt_string(a, t, "family", &e->env.family, err, errlen) < 0 ||
        opt_string(a, t, "hostname", &e->env.hostname, err, errlen) < 0 ||
        opt_string(a, t, "helo", &e->env.helo, err, errlen) < 0 ||
        opt_string(a, t, "queue_id", &e->env.queue_id, err, errlen) < 0 ||
        read_rcpts(a, t, e, err, errlen) < 0 ||
        read_macros(a, t, e, err, errlen) < 0)
        return -1;
    type = field(L, t, "port");
    if (type == LUA_TNUMBER && lua_isinteger(L, -1) &&
        lua_tointeger(L, -1) > 0 && lua_tointeger(L, -1) <= 65535) {
        e->env.port = (long)lua_tointeger(L, -1);
    } else if (type != LUA_TNIL) {
        snprintf(err, errlen, "port must be an integer 1..65535");
        lua_pop(L, 1);
        return -1;
    }
    lua_pop(L, 1);
    return 0;
}

/* lenv_stage_by_name - the stage a `stages` entry or method names, or -1
 * ("helo" and "hello" are one) */
int
lenv_stage_by_name(const char *name)
{
    int st;

    if (strcmp(name, "helo") == 0)
        return ST_HELO;
    st = stage_by_callback(name);
    return st == ST_NEGOTIATE ? -1 : st;
}

/* arg_string - argument i (1-based) of the n at first: a string, or the
 * default when absent; NULL when it is something else */
static const char *
arg_string(struct lanchor *a, int first, int n, int i, const char *dflt,
           size_t *len)
{
    lua_State *L = a->L;
    int idx = first + i - 1;

    if (i > n || lua_isnil(L, idx)) {
        if (len != NULL)
            *len = dflt != NULL ? strlen(dflt) : 0;
        return dflt;
    }
    return lanchor_string(a, idx, len);
}

/* bad_arg - the message for a missing or wrong argument */
static int
bad_arg(char *err, size_t errlen, enum stage st, int i, const char *what)
{
    snprintf(err, errlen, "%s: argument %d: %s expected", stage_name(st), i,
             what);
    return -1;
}

/* opt_integer - argument i of the n at first: an integer in lo..hi, or
 * dflt when absent; -1 if it is something else */
static int
opt_integer(lua_State *L, int first, int n, int i, lua_Integer lo,
            lua_Integer hi, lua_Integer dflt, lua_Integer *out)
{
    int idx = first + i - 1;

    *out = dflt;
    if (i > n || lua_isnil(L, idx))
        return 0;
    if (!lua_isinteger(L, idx) || lua_tointeger(L, idx) < lo ||
        lua_tointeger(L, idx) > hi)
        return -1;
    *out = lua_tointeger(L, idx);
    return 0;
}

/* connect_args - (hostname, family [, address [, port [, flowinfo [,
 * scope_id]]]]), the last two for inet6 */
static int
connect_args(struct lanchor *a, int first, int n, struct lstep *out,
             char *err, size_t errlen)
{
    lua_State *L = a->L;
    const char *host = arg_string(a, first, n, 1, NULL, NULL);
    const char *family = arg_string(a, first, n, 2, "inet", NULL);
    const char *addr;
    lua_Integer port, flow, scope;
    char why[160];

    if (host == NULL)
        return bad_arg(err, errlen, ST_CONNECT, 1, "a hostname");
    if (family == NULL)
        return bad_arg(err, errlen, ST_CONNECT, 2, "a family");
    addr = arg_string(a, first, n, 3, strcmp(family, "inet6") == 0
                                          ? "::1" : "127.0.0.1", NULL);
    if (addr == NULL)
        return bad_arg(err, errlen, ST_CONNECT, 3, "an address");
    if (opt_integer(L, first, n, 4, 0, 65535, 25025, &port) < 0)
        return bad_arg(err, errlen, ST_CONNECT, 4, "a port 0..65535");
    if (opt_integer(L, first, n, 5, 0, 0xffffffff, 0, &flow) < 0)
        return bad_arg(err, errlen, ST_CONNECT, 5, "a 32-bit flow info");
    if (opt_integer(L, first, n, 6, 0, 0xffffffff, 0, &scope) < 0)
        return bad_arg(err, errlen, ST_CONNECT, 6, "a 32-bit scope id");
    if (event_connect(&out->ev, host, family, addr, (long)port,
                      (unsigned long)flow, (unsigned long)scope, why,
                      sizeof why) < 0) {
        snprintf(err, errlen, "connect: %s", why);
        return -1;
    }
    return 0;
}

/* lenv_stage - stage st's arguments from the n values at stack index
 * first: connect (hostname, family [, address [, port]]), helo (name),
 * envfrom and envrcpt (address, ESMTP parameters...), header (name,
 * value), body (bytes), unknown (command), none for the others; 0, or -1
 * and what is wrong */
int
lenv_stage(struct lanchor *a, enum stage st, int first, int n,
           struct lstep *out, char *err, size_t errlen)
{
    const char *s1, *s2;
    size_t len = 0;
    int i;

    memset(out, 0, sizeof *out);
    out->st = st;
    event_none(&out->ev);
    switch (st) {
    case ST_CONNECT:
        return connect_args(a, first, n, out, err, errlen);
    case ST_HELO:
    case ST_UNKNOWN:
        if ((s1 = arg_string(a, first, n, 1, NULL, NULL)) == NULL)
            return bad_arg(err, errlen, st, 1, "a string");
        event_str(&out->ev, s1);
        return 0;
    case ST_ENVFROM:
    case ST_ENVRCPT:
        if (n > LENV_MAX_ARGS)
            return bad_arg(err, errlen, st, LENV_MAX_ARGS + 1,
                           "no more arguments");
        for (i = 1; i <= n || i == 1; i++) {
            out->argv[i - 1] = (char *)arg_string(a, first, n, i, NULL, NULL);
            if (out->argv[i - 1] == NULL)
                return bad_arg(err, errlen, st, i, i == 1 ? "an address"
                                                          : "a string");
        }
        out->argv[i - 1] = NULL;
        event_argv(&out->ev, out->argv);
        return 0;
    case ST_HEADER:
        s1 = arg_string(a, first, n, 1, NULL, NULL);
        s2 = arg_string(a, first, n, 2, NULL, NULL);
        if (s1 == NULL || s2 == NULL)
            return bad_arg(err, errlen, st, s1 == NULL ? 1 : 2, "a string");
        event_header(&out->ev, s1, s2);
        return 0;
    case ST_BODY:
        if ((s1 = arg_string(a, first, n, 1, NULL, &len)) == NULL)
            return bad_arg(err, errlen, st, 1, "a string of bytes");
        event_bytes(&out->ev, s1, len);
        return 0;
    default:
        return 0;
    }
}

/* lenv_copy - push into J a copy of L's value at idx: nil, booleans,
 * numbers, strings and tables of them, read raw (functions and the like,
 * and tables nested past LENV_COPY_DEPTH, become nil); nothing runs or
 * raises in L, J may raise when out of memory */
void
lenv_copy(lua_State *L, int idx, lua_State *J, int depth)
{
    size_t len;
    const char *s;

    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        lua_pushboolean(J, lua_toboolean(L, idx));
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            lua_pushinteger(J, lua_tointeger(L, idx));
        else
            lua_pushnumber(J, lua_tonumber(L, idx));
        return;
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        lua_pushlstring(J, s, len);
        return;
    case LUA_TTABLE:
        if (depth < LENV_COPY_DEPTH && lua_checkstack(L, 3) &&
            lua_checkstack(J, 4)) {
            lua_newtable(J);
            lua_pushnil(L);
            while (lua_next(L, idx) != 0) {
                lenv_copy(L, -2, J, depth + 1);
                lenv_copy(L, -1, J, depth + 1);
                if (lua_isnil(J, -2))
                    lua_pop(J, 2);
                else
                    lua_rawset(J, -3);
                lua_pop(L, 1);
            }
            return;
        }
        break;
    default:
        break;
    }
    lua_pushnil(J);
}
