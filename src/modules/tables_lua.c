/*
 * tables_lua.c - milter.tables for Lua: table handles and their lookups
 * (tables_lua.h).
 *
 * Each state gets one "holder" (a userdata the method closures share): the
 * host and the scratch buffer of substituted results.  Each handle (one
 * per table name and state) keeps the version of its table it last used,
 * with a reference, and uses it again while the slot's generation says it
 * is still the current one: a lookup then takes no lock and writes nothing
 * shared.  The version is dropped when a newer one is there, at
 * tables_lua_idle (the daemon calls it when a callback ends, so an idle
 * connection holds no old version), or when the state closes.  Since the
 * handle owns the reference, a lookup that raises (memory, time) leaks
 * nothing.
 */
#include "tables_lua.h"
#include "monotime.h"

#include <arpa/inet.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define HOLDER_MT "milter.tables.holder"
#define HANDLE_MT "milter.tables.table"

static const char host_key = 'h';       /* registry: the state's host */
static const char cache_key = 'c';      /* registry: name -> handle */

struct holder {
    const struct tables_lua_host *host;
    struct table_answer ans;
};

struct handle {
    const struct tables_set *set;
    size_t index;
    struct table *cached;               /* the version kept, or NULL */
    unsigned long gen;                  /* its generation */
    const struct tables_meter *meter;   /* counts its lookups, or NULL */
    void *bound;                        /* the meter's, for this table */
    double started;                     /* the lookup's start, metered */
};

/* a lookup's limit: the holder's host asked with its state */
struct budget {
    lua_State *L;
    const struct tables_lua_host *host;
};

/* tables_lua_sethost - the tables (and budget) of state L; host must
 * outlive L */
void
tables_lua_sethost(lua_State *L, const struct tables_lua_host *host)
{
    lua_pushlightuserdata(L, (void *)host);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &host_key);
}

/* drop - the handle keeps no version */
static void
drop(struct handle *t)
{
    if (t->cached != NULL) {
        table_unref(t->cached);
        t->cached = NULL;
    }
}

/* version - the version a lookup uses: the one the handle keeps while it is
 * still the current one, else the current one (kept from now on) */
static struct table *
version(struct handle *t)
{
    if (t->cached != NULL && tables_set_gen(t->set, t->index) == t->gen)
        return t->cached;
    drop(t);
    t->cached = tables_set_acquire(t->set, t->index, &t->gen);
    return t->cached;
}

/* tables_lua_idle - drop every version the state's handles keep (call
 * between callbacks; it calls no Lua function and allocates nothing) */
void
tables_lua_idle(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &cache_key) == LUA_TTABLE) {
        lua_pushnil(L);                                 /* cache nil */
        while (lua_next(L, -2) != 0) {                  /* cache k v */
            struct handle *t = luaL_testudata(L, -1, HANDLE_MT);

            if (t != NULL)
                drop(t);
            lua_pop(L, 1);                              /* cache k */
        }
    }
    lua_pop(L, 1);
}

/* holder_gc - the state closes: free the scratch buffer */
static int
holder_gc(lua_State *L)
{
    struct holder *h = luaL_checkudata(L, 1, HOLDER_MT);

    free(h->ans.buf);
    h->ans.buf = NULL;
    h->ans.cap = 0;
    return 0;
}

/* handle_gc - the state closes: drop the version the handle keeps */
static int
handle_gc(lua_State *L)
{
    drop(luaL_checkudata(L, 1, HANDLE_MT));
    return 0;
}

/* remaining - the table_limit callback: the host's budget for its state */
static double
remaining(void *ud)
{
    const struct budget *b = ud;

    return b->host->remaining(b->L, b->host->ud);
}

/* check_handle - argument 1 as a table handle (a method call) */
static struct handle *
check_handle(lua_State *L)
{
    return luaL_checkudata(L, 1, HANDLE_MT);
}

/* begin - a lookup starts (its time is read when it is metered) */
static void
begin(struct handle *t)
{
    if (t->meter != NULL)
        t->started = mono_now();
}

/* finish - a lookup ended with result (enum tables_result) */
static void
finish(const struct handle *t, int result)
{
    if (t->meter != NULL)
        t->meter->count(t->bound, result, mono_now() - t->started);
}

/* try_key - look key up in version v; 1 found (result in h->ans), 0 not;
 * raises if time or memory ran out */
static int
try_key(lua_State *L, struct holder *h, const struct handle *t,
        const struct table *v, const char *key, size_t len)
{
    struct budget b = {L, h->host};
    struct table_limit lim = {h->host->remaining != NULL ? remaining : NULL,
                              &b};
    enum table_status st = table_lookup(v, key, len, &h->ans, &lim);

    if (st >= 0)
        return st == TABLE_FOUND;
    finish(t, TABLES_ERROR);
    return luaL_error(L, "milter.tables: %s: %s",
                      tables_set_name(t->set, t->index),
                      st == TABLE_EXPIRED ? "time budget exceeded"
                                          : "out of memory");
}

/* found - push the result in h->ans and the key that matched; 2 results
 * (the lookup of t ends found) */
static int
found(lua_State *L, struct holder *h, const struct handle *t,
      const char *key, size_t len)
{
    finish(t, TABLES_FOUND);
    lua_pushlstring(L, h->ans.value, h->ans.len);
    lua_pushlstring(L, key, len);
    return 2;
}

/***
 * @method lookup
 * @param key string
 * @return the result (string), or nil: as `postmap -q key TYPE:PATH`
 */
static int
l_lookup(lua_State *L)
{
    struct holder *h = lua_touserdata(L, lua_upvalueindex(1));
    struct handle *t = check_handle(L);
    size_t len;
    const char *key = luaL_checklstring(L, 2, &len);

    begin(t);
    if (!try_key(L, h, t, version(t), key, len)) {
        finish(t, TABLES_NOTFOUND);
        lua_pushnil(L);
        return 1;
    }
    finish(t, TABLES_FOUND);
    lua_pushlstring(L, h->ans.value, h->ans.len);
    return 1;
}

/* ipv4_literal - Postfix's valid_ipv4_hostaddr: four decimal octets up to
 * 255, no empty one, no leading 0 octet except in 0.0.0.0 */
static int
ipv4_literal(const char *s, size_t len)
{
    int in_byte = 0, bytes = 0, val = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];

        if (c >= '0' && c <= '9') {
            if (!in_byte) {
                in_byte = 1;
                val = 0;
                bytes++;
            }
            val = val * 10 + (c - '0');
            if (val > 255)
                return 0;
        } else if (c == '.') {
            if (!in_byte || i + 1 == len)
                return 0;
            if (bytes == 1 && val == 0 && strspn(s, "0.") < len)
                return 0;
            in_byte = 0;
        } else {
            return 0;
        }
    }
    return bytes == 4;
}

/* numeric - whether name is an IP address (smtpd applies no parent-domain
 * lookups to one) */
static int
numeric(const char *name, size_t len)
{
    char text[64];
    unsigned char bin[16];

    if (memchr(name, ':', len) == NULL)
        return ipv4_literal(name, len);
    if (len >= sizeof text)
        return 0;
    memcpy(text, name, len);
    text[len] = '\0';
    return inet_pton(AF_INET6, text, bin) == 1;
}

/* try_parents - name, then (in fixed tables) each parent domain without
 * the leading dot, as smtpd with parent_domain_matches_subdomains; 1 found
 * (*hit, *hitlen the key), 0 not */
static int
try_parents(lua_State *L, struct holder *h, const struct handle *t,
            const struct table *v, const char *name, size_t len,
            int stop_if_numeric, const char **hit, size_t *hitlen)
{
    const char *end = name + len;
    int fixed = table_is_fixed(v);
    int first = 1;

    while (name < end) {
        const char *dot;

        if (first || fixed) {
            if (try_key(L, h, t, v, name, (size_t)(end - name))) {
                *hit = name;
                *hitlen = (size_t)(end - name);
                return 1;
            }
        }
        if (!fixed || (first && stop_if_numeric && numeric(name, len)))
            break;
        first = 0;
        dot = end - name > 1 ? memchr(name + 1, '.', (size_t)(end - name - 1))
                             : NULL;
        if (dot == NULL)
            break;
        name = dot + 1;
    }
    return 0;
}

/***
 * @method lookup_domain
 * @param domain string
 * @return result, key: the domain, then each parent domain ("a.b.c",
 * "b.c", "c") as smtpd's access(5) lookups; parents only in texthash
 * tables and not for an IP address
 */
static int
l_lookup_domain(lua_State *L)
{
    struct holder *h = lua_touserdata(L, lua_upvalueindex(1));
    struct handle *t = check_handle(L);
    size_t len, hitlen;
    const char *name = luaL_checklstring(L, 2, &len), *hit;

    begin(t);
    if (memchr(name, '\0', len) == NULL
        && try_parents(L, h, t, version(t), name, len, 1, &hit, &hitlen))
        return found(L, h, t, hit, hitlen);
    finish(t, TABLES_NOTFOUND);
    lua_pushnil(L);
    return 1;
}

/***
 * @method lookup_address
 * @param addr string (angle brackets allowed)
 * @return result, key: "user@domain", then the domain and its parents,
 * then "user@", as check_sender_access; partial keys in texthash tables
 * only; the null sender ("" or "<>") is looked up as "<>"
 */
static int
l_lookup_address(lua_State *L)
{
    struct holder *h = lua_touserdata(L, lua_upvalueindex(1));
    struct handle *t = check_handle(L);
    size_t len, hitlen;
    const char *addr = luaL_checklstring(L, 2, &len), *hit, *at;
    const struct table *v;

    begin(t);
    if (memchr(addr, '\0', len) != NULL)
        goto none;
    if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>') {
        addr++;
        len -= 2;
    }
    v = version(t);
    if (len == 0) {
        if (try_key(L, h, t, v, "<>", 2))
            return found(L, h, t, "<>", 2);
        goto none;
    }
    if (try_key(L, h, t, v, addr, len))
        return found(L, h, t, addr, len);
    for (at = addr + len; at > addr && at[-1] != '@'; at--)
        ;
    if (at == addr || !table_is_fixed(v))
        goto none;
    if (at < addr + len
        && try_parents(L, h, t, v, at, (size_t)(addr + len - at), 0, &hit,
                       &hitlen))
        return found(L, h, t, hit, hitlen);
    if (try_key(L, h, t, v, addr, (size_t)(at - addr)))
        return found(L, h, t, addr, (size_t)(at - addr));
none:
    finish(t, TABLES_NOTFOUND);
    lua_pushnil(L);
    return 1;
}

/* handle_tostring - "milter.tables: NAME (TYPE:PATH)" */
static int
handle_tostring(lua_State *L)
{
    struct handle *t = check_handle(L);

    lua_pushfstring(L, "milter.tables: %s (%s)",
                    tables_set_name(t->set, t->index),
                    tables_set_spec(t->set, t->index));
    return 1;
}

static const luaL_Reg table_methods[] = {
    {"lookup", l_lookup},
    {"lookup_domain", l_lookup_domain},
    {"lookup_address", l_lookup_address},
    {NULL, NULL}
};

/* push_handle - a new handle for the set's i-th table, counted by
 * meter (may be NULL) */
static void
push_handle(lua_State *L, const struct tables_set *set, size_t i,
            const struct tables_meter *meter)
{
    struct handle *t = lua_newuserdatauv(L, sizeof *t, 0);

    t->set = set;
    t->index = i;
    t->cached = NULL;
    t->gen = 0;
    t->bound = meter != NULL ? meter->bind(tables_set_name(set, i)) : NULL;
    t->meter = t->bound != NULL ? meter : NULL;
    t->started = 0;
    luaL_setmetatable(L, HANDLE_MT);
}

/* handle_of - the handle named at stack index idx, from the cache (at
 * upvalue 2) or made for a table of the set; nil if the set has none */
static void
handle_of(lua_State *L, int idx)
{
    struct holder *h = lua_touserdata(L, lua_upvalueindex(1));
    size_t len;
    const char *name;
    long at;

    idx = lua_absindex(L, idx);
    lua_pushvalue(L, idx);
    if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL
        || lua_type(L, idx) != LUA_TSTRING)
        return;
    lua_pop(L, 1);
    name = lua_tolstring(L, idx, &len);
    at = tables_set_find(h->host->set, name, len);
    if (at < 0) {
        lua_pushnil(L);
        return;
    }
    push_handle(L, h->host->set, (size_t)at, h->host->meter);       /* handle */
    lua_pushvalue(L, idx);
    lua_pushvalue(L, -2);
    lua_rawset(L, lua_upvalueindex(2));             /* cache it */
}

/* module_index - __index of the module: the table of that name, or an
 * error naming the ones there are */
static int
module_index(lua_State *L)
{
    struct holder *h = lua_touserdata(L, lua_upvalueindex(1));
    const struct tables_set *set = h->host->set;
    luaL_Buffer b;
    size_t i;

    handle_of(L, 2);
    if (!lua_isnil(L, -1))
        return 1;
    luaL_buffinit(L, &b);
    for (i = 0; i < tables_set_count(set); i++) {
        luaL_addstring(&b, i > 0 ? ", " : " (there are: ");
        luaL_addstring(&b, tables_set_name(set, i));
    }
    if (i > 0)
        luaL_addstring(&b, ")");
    luaL_pushresult(&b);                            /* ... names */
    luaL_tolstring(L, 2, NULL);                     /* ... names key */
    return luaL_error(L, "milter.tables: no table named '%s'%s; name one with "
                      "'table = NAME TYPE:PATH' in the config or in the "
                      "class's tables", lua_tostring(L, -1),
                      lua_tostring(L, -2));
}

/* next_entry - the iterator of pairs(module): the table after name k (in
 * the set's order) and its handle; upvalues as module_index's */
static int
next_entry(lua_State *L)
{
    struct holder *h = lua_touserdata(L, lua_upvalueindex(1));
    const struct tables_set *set = h->host->set;
    size_t len, i = 0;
    const char *k = lua_tolstring(L, 2, &len);

    if (k != NULL)
        i = (size_t)(tables_set_find(set, k, len) + 1);
    if (i == 0 && k != NULL)
        return 0;
    if (i >= tables_set_count(set))
        return 0;
    lua_pushstring(L, tables_set_name(set, i));     /* name */
    handle_of(L, -1);                               /* name handle */
    return 2;
}

/* module_pairs - __pairs of the module: every table of the set (the
 * handles' cache stays out of the script's reach) */
static int
module_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushcclosure(L, next_entry, 2);
    lua_pushnil(L);
    lua_pushnil(L);
    return 3;
}

/* module_newindex - the module is read-only */
static int
module_newindex(lua_State *L)
{
    return luaL_error(L, "milter.tables is read-only");
}

/* lock_metatable - hide the metatable on top from getmetatable, so no
 * script can change it (or give it a __gc) */
static void
lock_metatable(lua_State *L)
{
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}

/* luaopen_milter_tables - the module: a handle for every table of the
 * state's set */
int
luaopen_milter_tables(lua_State *L)
{
    const struct tables_lua_host *host;
    struct holder *h;

    lua_rawgetp(L, LUA_REGISTRYINDEX, &host_key);
    host = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (host == NULL || host->set == NULL)
        return luaL_error(L, "milter.tables: this state has no tables (the "
                          "daemon sets them with tables_lua_sethost)");
    h = lua_newuserdatauv(L, sizeof *h, 0);           /* holder */
    memset(h, 0, sizeof *h);
    h->host = host;
    if (luaL_newmetatable(L, HOLDER_MT)) {            /* holder hmt */
        lua_pushcfunction(L, holder_gc);
        lua_setfield(L, -2, "__gc");
        lock_metatable(L);
    }
    lua_setmetatable(L, -2);                          /* holder */
    if (luaL_newmetatable(L, HANDLE_MT)) {            /* holder tmt */
        lua_newtable(L);                              /* holder tmt methods */
        lua_pushvalue(L, -3);
        luaL_setfuncs(L, table_methods, 1);           /* upvalue: holder */
        lua_setfield(L, -2, "__index");               /* holder tmt */
        lua_pushcfunction(L, handle_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, handle_gc);
        lua_setfield(L, -2, "__gc");
        lock_metatable(L);
    }
    lua_pop(L, 1);                                    /* holder */
    lua_newtable(L);                                  /* holder cache */
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &cache_key);    /* for tables_lua_idle */
    lua_newtable(L);                                  /* holder cache module */
    lua_newtable(L);                                  /* ... module mmt */
    lua_pushvalue(L, -4);
    lua_pushvalue(L, -4);
    lua_pushcclosure(L, module_index, 2);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, -4);
    lua_pushvalue(L, -4);
    lua_pushcclosure(L, module_pairs, 2);
    lua_setfield(L, -2, "__pairs");
    lua_pushcfunction(L, module_newindex);
    lua_setfield(L, -2, "__newindex");
    lock_metatable(L);
    lua_setmetatable(L, -2);                          /* holder cache module */
    lua_replace(L, -3);                               /* module cache */
    lua_pop(L, 1);                                    /* module */
    return 1;
}

/* tables_lua_declare - add the class's tables field (NAME = "TYPE:PATH")
 * to set, confined to script_dir, with more flags; -1 with err */
int
tables_lua_declare(lua_State *L, int idx, struct tables_set *set,
                   const char *script_dir, unsigned flags, char *err,
                   size_t errlen)
{
    int rc = 0;

    idx = lua_absindex(L, idx);
    lua_getfield(L, idx, "tables");                   /* decls */
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1)) {
        snprintf(err, errlen, "the class's tables must be a table of NAME = "
                 "\"TYPE:PATH\", not a %s", luaL_typename(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    lua_pushnil(L);                                   /* decls nil */
    while (lua_next(L, -2) != 0) {                    /* decls k v */
        char why[1024];

        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
            snprintf(err, errlen, "the class's tables: every entry must be "
                     "NAME = \"TYPE:PATH\" (got a %s = a %s)",
                     luaL_typename(L, -2), luaL_typename(L, -1));
            rc = -1;
        } else if (tables_set_add(set, lua_tostring(L, -2),
                                  lua_tostring(L, -1), script_dir,
                                  TABLES_CONFINE | TABLES_KEEP | flags, why,
                                  sizeof why) < 0) {
            snprintf(err, errlen, "the class's tables.%s: %s",
                     lua_tostring(L, -2), why);
            rc = -1;
        }
        lua_pop(L, 1);                                /* decls k */
        if (rc < 0) {
            lua_pop(L, 2);
            return -1;
        }
    }
    lua_pop(L, 1);
    return 0;
}
