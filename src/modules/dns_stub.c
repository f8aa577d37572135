/*
 * dns_stub.c - stubbed answers for tests and replay (see dns_stub.h).
 */
#include "dns_stub.h"
#include "dns_names.h"
#include "dns_rdata.h"

#include <ctype.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <string.h>

/* find_stub - push the stub for name/qtype (nil if none): the key as
 * asked, then in lower case */
static void
find_stub(lua_State *L, const char *name, int qtype, char *key, size_t klen)
{
    size_t i;

    snprintf(key, klen, "%s/%s", name, dns_type_name(qtype));
    if (lua_getfield(L, LUA_REGISTRYINDEX, DNS_STUB_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return;
    }
    if (lua_getfield(L, -1, key) == LUA_TNIL) {
        lua_pop(L, 1);
        for (i = 0; key[i] != '/' && key[i] != '\0'; i++)
            key[i] = (char)tolower((unsigned char)key[i]);
        lua_getfield(L, -1, key);
    }
    lua_remove(L, -2);
}

/* copy_record - a copy of the record at idx (a table copied one level) */
static void
copy_record(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE) {
        lua_pushvalue(L, idx);
        return;
    }
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_settable(L, -4);
    }
}

/* push_records - the stub list at idx as an answer */
static void
push_records(lua_State *L, int idx, int qtype, const char *key)
{
    lua_Integer i, n = (lua_Integer)lua_rawlen(L, idx);

    lua_createtable(L, (int)n, 2);
    for (i = 1; i <= n; i++) {
        int t = lua_rawgeti(L, idx, i);
        int want = qtype == DNS_MX || qtype == DNS_SOA ? LUA_TTABLE
                                                       : LUA_TSTRING;
        if (t != want)
            luaL_error(L, "milter.dns stub %s: record %d must be a %s, got "
                       "%s", key, (int)i, lua_typename(L, want),
                       lua_typename(L, t));
        copy_record(L, lua_gettop(L));
        lua_rawseti(L, -3, i);
        lua_pop(L, 1);
    }
    lua_getfield(L, idx, "ttl");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushinteger(L, 300);
    }
    lua_setfield(L, -2, "ttl");
    lua_getfield(L, idx, "nxdomain");
    if (lua_toboolean(L, -1))
        lua_setfield(L, -2, "nxdomain");
    else
        lua_pop(L, 1);
    if (qtype == DNS_MX)
        dns_mx_sort(L, -1);
}

/* dns_stub_push - the stubbed answer for name/qtype: a records table (1
 * value) or nil, err, detail (3); raises on a stub of the wrong shape */
int
dns_stub_push(lua_State *L, const char *name, int qtype)
{
    char key[DNS_NAME_MAX + 16];
    int top;

    find_stub(L, name, qtype, key, sizeof key);
    top = lua_gettop(L);
    switch (lua_type(L, top)) {
    case LUA_TTABLE:
        push_records(L, top, qtype, key);
        lua_remove(L, top);
        return 1;
    case LUA_TSTRING:
        if (strcmp(lua_tostring(L, top), "nxdomain") == 0) {
            lua_pop(L, 1);
            lua_createtable(L, 0, 2);
            lua_pushinteger(L, 300);
            lua_setfield(L, -2, "ttl");
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, "nxdomain");
            return 1;
        }
        lua_pushnil(L);
        lua_insert(L, top);
        lua_pushfstring(L, "stubbed %s for %s", lua_tostring(L, -1), key);
        return 3;
    case LUA_TNIL:
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_pushliteral(L, "unrecorded");
        lua_pushfstring(L, "no stub for %s (tests and replay never query "
                        "the network)", key);
        return 3;
    default:
        return luaL_error(L, "milter.dns stub %s must be a list of records "
                          "or a word, got %s", key, luaL_typename(L, top));
    }
}
