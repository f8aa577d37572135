/*
 * dns_rdata.c - the record data of an answer into Lua (see dns_rdata.h).
 * libunbound hands over each record's rdata uncompressed, so reading it
 * is walking labels and fixed fields; a record that does not fit its type
 * is left out.
 */
#include "dns_rdata.h"
#include "dns_names.h"

#include <arpa/inet.h>
#include <lauxlib.h>
#include <lua.h>
#include <netinet/in.h>
#include <stdint.h>
#include <unbound.h>

/* push_wire_name - the name at rdata[*off] (labels, uncompressed) as text
 * without the trailing dot ("." for the root); 0 if it does not fit */
static int
push_wire_name(lua_State *L, const unsigned char *rd, size_t len,
               size_t *off)
{
    luaL_Buffer b;
    size_t p = *off, total = 0;
    int first = 1;

    luaL_buffinit(L, &b);
    for (;;) {
        size_t lab;
        if (p >= len) {
            luaL_pushresult(&b);
            lua_pop(L, 1);
            return 0;
        }
        lab = rd[p++];
        if (lab == 0)
            break;
        if (lab > DNS_LABEL_MAX || p + lab > len || (total += lab + 1) > 255) {
            luaL_pushresult(&b);
            lua_pop(L, 1);
            return 0;
        }
        if (!first)
            luaL_addchar(&b, '.');
        luaL_addlstring(&b, (const char *)rd + p, lab);
        p += lab;
        first = 0;
    }
    if (first)
        luaL_addchar(&b, '.');
    luaL_pushresult(&b);
    *off = p;
    return 1;
}

/* get32 - a 32-bit field in network order */
static lua_Integer
get32(const unsigned char *p)
{
    return (lua_Integer)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                         (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/* push_soa - {mname, rname, serial, refresh, retry, expire, minimum} */
static int
push_soa(lua_State *L, const unsigned char *rd, size_t len)
{
    static const char *const fields[] = {"serial", "refresh", "retry",
                                         "expire", "minimum"};
    size_t off = 0;
    int i;

    lua_createtable(L, 0, 7);
    if (!push_wire_name(L, rd, len, &off))
        return 0;
    lua_setfield(L, -2, "mname");
    if (!push_wire_name(L, rd, len, &off))
        return 0;
    lua_setfield(L, -2, "rname");
    if (off + 20 != len)
        return 0;
    for (i = 0; i < 5; i++) {
        lua_pushinteger(L, get32(rd + off + 4 * (size_t)i));
        lua_setfield(L, -2, fields[i]);
    }
    return 1;
}

/* push_txt - the character strings of one TXT record, joined */
static int
push_txt(lua_State *L, const unsigned char *rd, size_t len)
{
    luaL_Buffer b;
    size_t off = 0;

    luaL_buffinit(L, &b);
    while (off < len) {
        size_t n = rd[off++];
        if (off + n > len) {
            luaL_pushresult(&b);
            return 0;
        }
        luaL_addlstring(&b, (const char *)rd + off, n);
        off += n;
    }
    luaL_pushresult(&b);
    return 1;
}

/* push_record - one record of type qtype, pushed; 0 (with one value
 * pushed, to pop) if its data does not fit the type */
static int
push_record(lua_State *L, const unsigned char *rd, size_t len, int qtype)
{
    char text[INET6_ADDRSTRLEN];
    size_t off = 0;

    switch (qtype) {
    case DNS_A:
    case DNS_AAAA:
        if (len != (qtype == DNS_A ? 4u : 16u) ||
            inet_ntop(qtype == DNS_A ? AF_INET : AF_INET6, rd, text,
                      sizeof text) == NULL) {
            lua_pushnil(L);
            return 0;
        }
        lua_pushstring(L, text);
        return 1;
    case DNS_PTR:
    case DNS_NS:
    case DNS_CNAME:
        if (!push_wire_name(L, rd, len, &off) ) {
            lua_pushnil(L);
            return 0;
        }
        return off == len;
    case DNS_MX:
        lua_createtable(L, 0, 2);
        if (len < 3)
            return 0;
        lua_pushinteger(L, (lua_Integer)(rd[0] << 8 | rd[1]));
        lua_setfield(L, -2, "preference");
        off = 2;
        if (!push_wire_name(L, rd, len, &off))
            return 0;
        lua_setfield(L, -2, "exchange");
        return off == len;
    case DNS_SOA:
        return push_soa(L, rd, len);
    case DNS_TXT:
        return push_txt(L, rd, len);
    default:
        lua_pushnil(L);
        return 0;
    }
}

/* mx_pref - the preference of the MX table at idx */
static lua_Integer
mx_pref(lua_State *L, int idx)
{
    lua_Integer p;

    lua_getfield(L, idx, "preference");
    p = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return p;
}

/* dns_mx_sort - sort the MX list at idx by preference, ties in order
 * (insertion sort: a handful of records) */
void
dns_mx_sort(lua_State *L, int idx)
{
    lua_Integer i, j, n;

    idx = lua_absindex(L, idx);
    n = (lua_Integer)lua_rawlen(L, idx);
    for (i = 2; i <= n; i++) {
        lua_rawgeti(L, idx, i);                 /* the one to place */
        lua_Integer p = mx_pref(L, -1);
        for (j = i - 1; j >= 1; j--) {
            lua_rawgeti(L, idx, j);
            if (mx_pref(L, -1) <= p) {
                lua_pop(L, 1);
                break;
            }
            lua_rawseti(L, idx, j + 1);         /* moved up */
        }
        lua_rawseti(L, idx, j + 1);
    }
}

/* dns_rdata_push - the records of res (of type qtype) as a new list with
 * ttl, and nxdomain = true when the name does not exist */
void
dns_rdata_push(lua_State *L, const struct ub_result *res, int qtype)
{
    lua_Integer n = 0;
    int i;

    lua_createtable(L, 4, 2);
    lua_pushinteger(L, res->ttl);
    lua_setfield(L, -2, "ttl");
    if (res->nxdomain) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "nxdomain");
    }
    if (!res->havedata || res->data == NULL)
        return;
    for (i = 0; res->data[i] != NULL; i++) {
        if (res->len[i] < 0)
            continue;
        if (push_record(L, (const unsigned char *)res->data[i],
                        (size_t)res->len[i], qtype))
            lua_rawseti(L, -2, ++n);
        else
            lua_settop(L, lua_gettop(L) - 1);
    }
    if (qtype == DNS_MX)
        dns_mx_sort(L, -1);
}
