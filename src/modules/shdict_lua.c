/*
 * shdict_lua.c - require "milter.shared" (see shdict_lua.h).
 *
 * A dictionary is a full userdata holding a struct shdict pointer; the
 * module table holds one per declared dictionary and raises for any other
 * name.  Values are copied: in with the arguments (before any lock), out
 * into a C buffer under the lock and pushed after it.  A value bigger than
 * the stack buffer is read again into a Lua-allocated buffer, so a memory
 * error raised by Lua can never leak C memory or leave a lock held.
 */
#include "shdict_lua.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>

#define STACK_BUF 512           /* values up to this are read in one go */
#define MAX_READS 64            /* a value can double only ~40 times */

static const char bind_key = 0; /* registry: the bound set (light ud) */

/* bound_set - the set this state was bound to, or NULL */
static struct shdict_set *
bound_set(lua_State *L)
{
    struct shdict_set *s;

    lua_rawgetp(L, LUA_REGISTRYINDEX, &bind_key);
    s = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return s;
}

/* shdict_lua_bind - let L's milter.shared see the dictionaries of set */
void
shdict_lua_bind(lua_State *L, struct shdict_set *set)
{
    lua_pushlightuserdata(L, set);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &bind_key);
}

/* metered - tell d's meter (if any) what a call did */
static inline void
metered(struct shdict *d, enum shdict_op op, int status, int forcible)
{
    struct shdict_meter *m = shdict_meter_of(d);

    if (m != NULL)
        m->count(m, op, status, forcible);
}

/* check_dict - argument 1 as a dictionary */
static struct shdict *
check_dict(lua_State *L)
{
    return *(struct shdict **)luaL_checkudata(L, 1, SHDICT_LUA_DICT);
}

/* check_key - argument i as a key: a string of at most SHDICT_KEY_MAX */
static const char *
check_key(lua_State *L, int i, size_t *klen)
{
    const char *key;

    if (lua_type(L, i) != LUA_TSTRING)
        luaL_typeerror(L, i, "string");
    key = lua_tolstring(L, i, klen);
    if (*klen > SHDICT_KEY_MAX)
        luaL_argerror(L, i, lua_pushfstring(L, "key is %I bytes; keys are "
                      "at most %d bytes", (lua_Integer)*klen,
                      (int)SHDICT_KEY_MAX));
    return key;
}

/* to_number - argument i (a Lua number) as a value */
static void
to_number(lua_State *L, int i, struct shdict_value *v)
{
    memset(v, 0, sizeof *v);
    if (lua_isinteger(L, i)) {
        v->type = SHDICT_INTEGER;
        v->i = (long long)lua_tointeger(L, i);
    } else {
        v->type = SHDICT_NUMBER;
        v->n = (double)lua_tonumber(L, i);
    }
}

/* check_number - argument i as a number value (no string coercion) */
static void
check_number(lua_State *L, int i, struct shdict_value *v)
{
    if (lua_type(L, i) != LUA_TNUMBER)
        luaL_typeerror(L, i, "number");
    to_number(L, i, v);
}

/* check_value - argument i as a value: string, number or boolean, or nil
 * when nil_ok */
static void
check_value(lua_State *L, int i, struct shdict_value *v, int nil_ok)
{
    memset(v, 0, sizeof *v);
    switch (lua_type(L, i)) {
    case LUA_TNONE:
    case LUA_TNIL:
        if (!nil_ok)
            luaL_argerror(L, i, "a value is needed (a string, number or "
                          "boolean)");
        v->type = SHDICT_NIL;
        break;
    case LUA_TSTRING:
        v->type = SHDICT_STRING;
        v->str = lua_tolstring(L, i, &v->len);
        break;
    case LUA_TNUMBER:
        to_number(L, i, v);
        break;
    case LUA_TBOOLEAN:
        v->type = SHDICT_BOOLEAN;
        v->b = lua_toboolean(L, i);
        break;
    default:
        luaL_argerror(L, i, lua_pushfstring(L, "a string, number or boolean "
                      "expected, got %s", luaL_typename(L, i)));
    }
}

/* opt_ttl - argument i as seconds: absent, nil or 0 for no expiry */
static double
opt_ttl(lua_State *L, int i)
{
    double t;

    if (lua_isnoneornil(L, i))
        return 0;
    if (lua_type(L, i) != LUA_TNUMBER)
        luaL_typeerror(L, i, "number");
    t = (double)lua_tonumber(L, i);
    if (!isfinite(t) || t < 0)
        luaL_argerror(L, i, "ttl must be 0 or more seconds");
    return t;
}

/* push_value - a value from the dictionary */
static void
push_value(lua_State *L, const struct shdict_value *v)
{
    switch (v->type) {
    case SHDICT_STRING:
        lua_pushlstring(L, v->str, v->len);
        break;
    case SHDICT_INTEGER:
        lua_pushinteger(L, (lua_Integer)v->i);
        break;
    case SHDICT_NUMBER:
        lua_pushnumber(L, (lua_Number)v->n);
        break;
    case SHDICT_BOOLEAN:
        lua_pushboolean(L, v->b);
        break;
    default:
        lua_pushnil(L);
        break;
    }
}

/* outcome_text - what a refused call returns as its message */
static const char *
outcome_text(int rc)
{
    switch (rc) {
    case SHDICT_NOMEM: return "no memory";
    case SHDICT_EXISTS: return "exists";
    case SHDICT_NOTFOUND: return "not found";
    case SHDICT_NOTNUMBER: return "not a number";
    default: return "failed";
    }
}

/* push_fail - nil (or false) and the message of rc; returns 2 */
static int
push_fail(lua_State *L, int rc, int as_false)
{
    if (as_false)
        lua_pushboolean(L, 0);
    else
        lua_pushnil(L);
    lua_pushstring(L, outcome_text(rc));
    return 2;
}

/* a copy of a value or of keys out of a dictionary, into buf */
typedef int (*copy_fn)(struct shdict *d, void *arg, char *buf, size_t cap,
                       size_t *need);

/* read_out - run copy with a stack buffer, then with Lua-allocated ones
 * as big as it asked for (twice that, up to the capacity), until it fits;
 * returns copy's result, and the buffer in *buf (a Lua buffer is left on
 * the stack, so the collector keeps it until the caller returns) */
static int
read_out(lua_State *L, struct shdict *d, copy_fn copy, void *arg,
         char *stack, char **buf)
{
    size_t cap = STACK_BUF, need = 0, most = shdict_capacity(d);
    int tries, rc;

    *buf = stack;
    for (tries = 0; tries < MAX_READS; tries++) {
        rc = copy(d, arg, *buf, cap, &need);
        if (rc != SHDICT_NEEDBUF)
            return rc;
        cap = need <= most / 2 ? need * 2 : (need > most ? need : most);
        if (*buf != stack)
            lua_pop(L, 1);                      /* the smaller buffer */
        *buf = lua_newuserdatauv(L, cap, 0);    /* stays on the stack */
    }
    return luaL_error(L, "shared dictionary '%s': the value kept growing "
                      "while it was read", shdict_name(d));
}

/* a get in progress */
struct get_arg {
    const char *key;
    size_t klen;
    struct shdict_value v;
};

/* copy_value - read_out's copy for get */
static int
copy_value(struct shdict *d, void *arg, char *buf, size_t cap, size_t *need)
{
    struct get_arg *g = arg;
    int rc = shdict_get(d, g->key, g->klen, &g->v, buf, cap);

    *need = g->v.len;
    return rc;
}

/* l_get - d:get(key): the value, or nil when absent or expired */
static int
l_get(lua_State *L)
{
    struct shdict *d = check_dict(L);
    char stack[STACK_BUF], *buf;
    struct get_arg g;
    int rc;

    g.key = check_key(L, 2, &g.klen);
    lua_settop(L, 2);
    rc = read_out(L, d, copy_value, &g, stack, &buf);
    metered(d, SHDICT_OP_GET, rc, 0);
    if (rc != SHDICT_OK) {
        lua_pushnil(L);
        return 1;
    }
    push_value(L, &g.v);
    return 1;
}

/* store - d:set/add/replace(key, value [, ttl]) as mode says */
static int
store(lua_State *L, enum shdict_mode mode)
{
    static const enum shdict_op op_of[] = {
        [SHDICT_SET] = SHDICT_OP_SET, [SHDICT_ADD] = SHDICT_OP_ADD,
        [SHDICT_REPLACE] = SHDICT_OP_REPLACE
    };
    struct shdict *d = check_dict(L);
    struct shdict_value v;
    size_t klen;
    const char *key = check_key(L, 2, &klen);
    double ttl;
    int forcible = 0, rc;

    check_value(L, 3, &v, mode == SHDICT_SET);
    ttl = opt_ttl(L, 4);
    rc = shdict_store(d, mode, key, klen, &v, ttl, &forcible);
    metered(d, op_of[mode], rc, forcible);
    if (rc != SHDICT_OK)
        return push_fail(L, rc, rc == SHDICT_EXISTS || rc == SHDICT_NOTFOUND);
    lua_pushboolean(L, 1);
    lua_pushboolean(L, forcible);
    return 2;
}

/* l_set - d:set(key, value [, ttl]): true, forcible; value nil deletes */
static int
l_set(lua_State *L)
{
    return store(L, SHDICT_SET);
}

/* l_add - d:add(key, value [, ttl]): true, forcible, or false, "exists" */
static int
l_add(lua_State *L)
{
    return store(L, SHDICT_ADD);
}

/* l_replace - d:replace(key, value [, ttl]): true, forcible, or false,
 * "not found" */
static int
l_replace(lua_State *L)
{
    return store(L, SHDICT_REPLACE);
}

/* l_incr - d:incr(key, by [, init [, init_ttl]]): the new number */
static int
l_incr(lua_State *L)
{
    struct shdict *d = check_dict(L);
    struct shdict_value by, init, out;
    size_t klen;
    const char *key = check_key(L, 2, &klen);
    double init_ttl;
    int has_init, forcible, rc;

    check_number(L, 3, &by);
    has_init = !lua_isnoneornil(L, 4);
    if (has_init)
        check_number(L, 4, &init);
    init_ttl = opt_ttl(L, 5);
    rc = shdict_incr(d, key, klen, &by, has_init ? &init : NULL, init_ttl,
                     &out, &forcible);
    metered(d, SHDICT_OP_INCR, rc, rc == SHDICT_OK && forcible);
    if (rc != SHDICT_OK)
        return push_fail(L, rc, 0);
    push_value(L, &out);
    return 1;
}

/* l_delete - d:delete(key): true */
static int
l_delete(lua_State *L)
{
    struct shdict *d = check_dict(L);
    size_t klen;
    const char *key = check_key(L, 2, &klen);

    metered(d, SHDICT_OP_DELETE, shdict_delete(d, key, klen), 0);
    lua_pushboolean(L, 1);
    return 1;
}

/* l_ttl - d:ttl(key): seconds left (0: no expiry), or nil, "not found" */
static int
l_ttl(lua_State *L)
{
    struct shdict *d = check_dict(L);
    size_t klen;
    const char *key = check_key(L, 2, &klen);
    double left = 0;
    int rc = shdict_ttl(d, key, klen, &left);

    metered(d, SHDICT_OP_TTL, rc, 0);
    if (rc != SHDICT_OK)
        return push_fail(L, rc, 0);
    lua_pushnumber(L, (lua_Number)left);
    return 1;
}

/* l_expire - d:expire(key, ttl): true, or false, "not found" */
static int
l_expire(lua_State *L)
{
    struct shdict *d = check_dict(L);
    size_t klen;
    const char *key = check_key(L, 2, &klen);
    double ttl;
    int rc;

    luaL_checkany(L, 3);
    ttl = opt_ttl(L, 3);
    rc = shdict_expire(d, key, klen, ttl);
    metered(d, SHDICT_OP_EXPIRE, rc, 0);
    if (rc != SHDICT_OK)
        return push_fail(L, rc, rc == SHDICT_NOTFOUND);
    lua_pushboolean(L, 1);
    return 1;
}

/* l_flush_all - d:flush_all(): every entry goes */
static int
l_flush_all(lua_State *L)
{
    struct shdict *d = check_dict(L);

    shdict_flush_all(d);
    metered(d, SHDICT_OP_FLUSH_ALL, SHDICT_OK, 0);
    return 0;
}

/* l_capacity - d:capacity(): the declared size in bytes */
static int
l_capacity(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)shdict_capacity(check_dict(L)));
    return 1;
}

/* l_free_space - d:free_space(): bytes not in use */
static int
l_free_space(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)shdict_free_space(check_dict(L)));
    return 1;
}

/* a get_keys in progress */
struct keys_arg {
    size_t max;
    size_t count;
};

/* copy_keys - read_out's copy for get_keys */
static int
copy_keys(struct shdict *d, void *arg, char *buf, size_t cap, size_t *need)
{
    struct keys_arg *k = arg;

    return shdict_keys(d, k->max, buf, cap, &k->count, need);
}

/* l_get_keys - d:get_keys([max]): up to max live keys (default 1024, 0
 * for all), most recently used first */
static int
l_get_keys(lua_State *L)
{
    struct shdict *d = check_dict(L);
    lua_Integer max = luaL_optinteger(L, 2, SHDICT_LUA_KEYS_DEFAULT);
    char stack[STACK_BUF], *buf;
    const char *p, *key;
    struct keys_arg k;
    size_t i, klen;

    luaL_argcheck(L, max >= 0, 2, "max must be 0 (all) or more");
    k.max = (size_t)max;
    k.count = 0;
    lua_settop(L, 2);
    metered(d, SHDICT_OP_GET_KEYS, read_out(L, d, copy_keys, &k, stack,
                                            &buf), 0);
    lua_createtable(L, k.count > 1u << 24 ? 1 << 24 : (int)k.count, 0);
    for (i = 0, p = buf; i < k.count; i++) {
        p = shdict_key_next(p, &key, &klen);
        lua_pushlstring(L, key, klen);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* l_stats - d:stats(): {bytes, keys, evictions, expired} */
static int
l_stats(lua_State *L)
{
    struct shdict_stats st;

    shdict_stats(check_dict(L), &st);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)st.bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushinteger(L, (lua_Integer)st.keys);
    lua_setfield(L, -2, "keys");
    lua_pushinteger(L, (lua_Integer)st.evictions);
    lua_setfield(L, -2, "evictions");
    lua_pushinteger(L, (lua_Integer)st.expired);
    lua_setfield(L, -2, "expired");
    return 1;
}

/* l_dict_tostring - "milter.shared.dict (NAME)" */
static int
l_dict_tostring(lua_State *L)
{
    lua_pushfstring(L, "%s (%s)", SHDICT_LUA_DICT,
                    shdict_name(check_dict(L)));
    return 1;
}

static const luaL_Reg dict_methods[] = {
    {"get", l_get},
    {"set", l_set},
    {"add", l_add},
    {"replace", l_replace},
    {"incr", l_incr},
    {"delete", l_delete},
    {"ttl", l_ttl},
    {"expire", l_expire},
    {"flush_all", l_flush_all},
    {"capacity", l_capacity},
    {"free_space", l_free_space},
    {"get_keys", l_get_keys},
    {"stats", l_stats},
    {NULL, NULL}
};

/* push_dict - a new userdata for d */
static void
push_dict(lua_State *L, struct shdict *d)
{
    struct shdict **box = lua_newuserdatauv(L, sizeof *box, 0);

    *box = d;
    luaL_setmetatable(L, SHDICT_LUA_DICT);
}

/* l_unknown - the module's __index: a dictionary declared since the
 * module was opened, or an error naming the declared ones */
static int
l_unknown(lua_State *L)
{
    struct shdict_set *s = bound_set(L);
    struct shdict *d = NULL;
    char names[512] = "";
    const char *name;
    size_t len;

    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "milter.shared: dictionaries are named by "
                          "strings, not by a %s", luaL_typename(L, 2));
    name = lua_tolstring(L, 2, &len);
    if (s != NULL)
        d = shdict_set_find(s, name, len);
    if (d != NULL) {
        push_dict(L, d);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, -2);
        lua_rawset(L, 1);                       /* module[name] = dict */
        return 1;
    }
    if (s != NULL)
        shdict_set_names(s, names, sizeof names);
    if (names[0] == '\0')
        return luaL_error(L, "milter.shared: no dictionary '%s' is declared "
                          "(none is: add 'shared_dict = NAME SIZE' to the "
                          "config)", name);
    return luaL_error(L, "milter.shared: no dictionary '%s' is declared "
                      "(declared: %s)", name, names);
}

/* l_readonly - the module's __newindex */
static int
l_readonly(lua_State *L)
{
    return luaL_error(L, "milter.shared is read-only: dictionaries are "
                      "declared with 'shared_dict = NAME SIZE' in the config");
}

/* luaopen_milter_shared - the module table, one field per dictionary */
int
luaopen_milter_shared(lua_State *L)
{
    struct shdict_set *s = bound_set(L);
    struct shdict *d;
    size_t i;

    if (luaL_newmetatable(L, SHDICT_LUA_DICT)) {
        luaL_newlib(L, dict_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_dict_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushboolean(L, 0);                  /* locked: no script can */
        lua_setfield(L, -2, "__metatable");     /* add a __gc */
    }
    lua_pop(L, 1);
    lua_newtable(L);                            /* module */
    for (i = 0; s != NULL && (d = shdict_set_at(s, i)) != NULL; i++) {
        push_dict(L, d);
        lua_setfield(L, -2, shdict_name(d));
    }
    lua_createtable(L, 0, 3);                   /* module mt */
    lua_pushcfunction(L, l_unknown);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_readonly);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    return 1;
}
