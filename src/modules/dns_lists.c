/*
 * dns_lists.c - the checks built on lookups: dns.fcrdns, dns.dnsbl,
 * dns.rhsbl and dns.dnsbl_any (see docs/lua-api.md).  Each call waits to
 * one deadline for all its rounds (PTR then A/AAAA; A then TXT).
 */
#include "dns_api.h"
#include "dns_resolver.h"
#include "dns_state.h"
#include "monotime.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <string.h>

#define FCRDNS_NAMES 10     /* PTR names fcrdns tries */

/* contains_addr - whether the address list at idx holds a */
static int
contains_addr(lua_State *L, int idx, const struct dns_addr *a)
{
    lua_Integer i, n = (lua_Integer)lua_rawlen(L, idx);
    struct dns_addr b;
    size_t len;
    int found = 0;

    for (i = 1; i <= n && !found; i++) {
        const char *s;
        lua_rawgeti(L, idx, i);
        s = lua_tolstring(L, -1, &len);
        found = s != NULL && dns_addr_parse(s, len, &b) == 0 &&
                dns_addr_equal(a, &b);
        lua_pop(L, 1);
    }
    return found;
}

/* l_fcrdns - dns.fcrdns(ip) -> name | false | nil, err, detail */
static int
l_fcrdns(lua_State *L)
{
    struct dns_state *st = dns_upstate(L);
    struct dns_job ptr, fwd[FCRDNS_NAMES];
    struct dns_addr a;
    double deadline = 0;
    int i, n = 0, k, err_at = 0;
    lua_Integer names;

    dns_ptr_job(L, 1, &ptr, &a);
    dns_run_jobs(L, st, &ptr, 1, &deadline);
    lua_settop(L, 1);
    k = dns_job_push(L, st, &ptr);              /* names at 2 */
    dns_job_release(st, &ptr);
    if (k == 3)
        return 3;
    names = (lua_Integer)lua_rawlen(L, 2);
    for (i = 1; i <= names && n < FCRDNS_NAMES; i++) {
        size_t len;
        const char *name;
        if (lua_rawgeti(L, 2, i) == LUA_TSTRING) {
            name = lua_tolstring(L, -1, &len);
            dns_job_prepare(st, &fwd[n++], name, len,
                            a.family == 4 ? DNS_A : DNS_AAAA);
        }
        lua_pop(L, 1);
    }
    if (n == 0) {
        lua_pushboolean(L, 0);
        return 1;
    }
    dns_run_jobs(L, st, fwd, n, &deadline);
    for (i = 0; i < n; i++) {
        k = dns_job_push(L, st, &fwd[i]);
        if (k == 1 && contains_addr(L, -1, &a)) {
            lua_rawgeti(L, 2, i + 1);
            for (k = i; k < n; k++)
                dns_job_release(st, &fwd[k]);
            return 1;
        }
        if (k == 3 && err_at == 0)
            err_at = lua_gettop(L) - 2;     /* keep the first error */
        else
            lua_pop(L, k);
        dns_job_release(st, &fwd[i]);
    }
    if (err_at != 0) {
        lua_settop(L, err_at + 2);
        return 3;
    }
    lua_pushboolean(L, 0);
    return 1;
}

/* listing - judge the answer of a DNS list at idx (a records table):
 * 0 not listed, 1 listed, -1 an error (err and detail set) */
static int
listing(lua_State *L, int idx, const char *name, char *err, size_t elen,
        char *detail, size_t dlen)
{
    lua_Integer i, n = (lua_Integer)lua_rawlen(L, idx);

    if (n == 0)
        return 0;                   /* NXDOMAIN or NODATA */
    for (i = 1; i <= n; i++) {
        struct dns_addr a;
        size_t len;
        const char *s;
        lua_rawgeti(L, idx, i);
        s = lua_tolstring(L, -1, &len);
        if (s == NULL || dns_addr_parse(s, len, &a) < 0 || a.family != 4 ||
            a.b[0] != 127) {
            snprintf(err, elen, "bogus answer");
            snprintf(detail, dlen, "%s answered %s, which is not in "
                     "127.0.0.0/8", name, s != NULL ? s : "?");
            lua_pop(L, 1);
            return -1;
        }
        if (a.b[1] == 255 && a.b[2] == 255 && a.b[3] >= 252) {
            snprintf(err, elen, "blocked");
            snprintf(detail, dlen, "%s answered %s: the list refuses "
                     "queries from this resolver", name, s);
            lua_pop(L, 1);
            return -1;
        }
        lua_pop(L, 1);
    }
    return 1;
}

/* one DNS list of a call */
struct list_check {
    struct dns_job a, txt;
    int seen;                   /* a's answer was judged */
    int state;                  /* 0 not listed, 1 listed, -1 error */
    char err[32];
    char detail[256];
};

/* judge - c's A answer: its state; a listing's answers go to answers[i]
 * (the table at ai) and its TXT lookup is sent */
static void
judge(lua_State *L, struct dns_state *st, struct list_check *c, int i,
      int ai)
{
    int k = dns_job_push(L, st, &c->a);

    dns_job_release(st, &c->a);
    c->seen = 1;
    if (k == 3) {
        c->state = -1;
        snprintf(c->err, sizeof c->err, "%s", lua_tostring(L, -2));
        snprintf(c->detail, sizeof c->detail, "%s", lua_tostring(L, -1));
        lua_pop(L, 3);
        return;
    }
    c->state = listing(L, -1, c->a.name, c->err, sizeof c->err, c->detail,
                       sizeof c->detail);
    if (c->state != 1) {
        lua_pop(L, 1);
        return;
    }
    lua_rawseti(L, ai, i + 1);
    memset(&c->txt, 0, sizeof c->txt);
    memcpy(c->txt.name, c->a.name, sizeof c->txt.name);
    c->txt.qtype = DNS_TXT;
    dns_jobs_send(L, st, &c->txt, 1);
}

/* check_lists - look every prepared c[].a up at once; as each listing
 * comes, ask for its TXT; all to one deadline.  Pushes a table with the
 * answers of each listed c[i] at i + 1 (with .txt when it came); returns
 * its index */
static int
check_lists(lua_State *L, struct dns_state *st, struct list_check *c,
            int n)
{
    struct dns_job **wait;
    double deadline = 0;
    const char *why = dns_call_deadline(L, st, &deadline);
    int i, k, ai;

    wait = lua_newuserdatauv(L, (size_t)(2 * n + 1) * sizeof *wait, 0);
    lua_createtable(L, n, 0);
    ai = lua_gettop(L);
    for (i = 0; i < n; i++) {
        if (why != NULL && c[i].a.err == NULL)
            dns_job_fail(&c[i].a, why);
        dns_jobs_send(L, st, &c[i].a, 1);
    }
    for (;;) {
        k = 0;
        for (i = 0; i < n; i++) {
            if (!c[i].seen && dns_job_pending(&c[i].a))
                wait[k++] = &c[i].a;
            else if (!c[i].seen)
                judge(L, st, &c[i], i, ai);
            if (c[i].state == 1 && dns_job_pending(&c[i].txt))
                wait[k++] = &c[i].txt;
        }
        if (k == 0 || !st->live || mono_now() >= deadline)
            break;
        dns_jobs_wait_one(wait, k, deadline);
    }
    for (i = 0; i < n; i++) {
        if (!c[i].seen) {               /* no answer in time */
            dns_query_cancel(c[i].a.q);
            judge(L, st, &c[i], i, ai);
        }
        if (c[i].state != 1)
            continue;
        if (dns_job_pending(&c[i].txt))
            dns_query_cancel(c[i].txt.q);
        k = dns_job_push(L, st, &c[i].txt);
        dns_job_release(st, &c[i].txt);
        if (k == 1 && lua_rawgeti(L, -1, 1) == LUA_TSTRING) {
            lua_rawgeti(L, ai, i + 1);
            lua_insert(L, -2);
            lua_setfield(L, -2, "txt");
            lua_pop(L, 1);
        } else if (k == 1) {
            lua_pop(L, 1);
        }
        lua_pop(L, k);
    }
    return ai;
}

/* push_error - nil, err, detail of a list that failed */
static void
push_error(lua_State *L, const struct list_check *c)
{
    lua_pushnil(L);
    lua_pushstring(L, c->err);
    lua_pushstring(L, c->detail);
}

/* one_list - dnsbl/rhsbl once the query name is in c.a */
static int
one_list(lua_State *L, struct dns_state *st, struct list_check *c)
{
    int base = check_lists(L, st, c, 1);

    if (c->state == -1) {
        push_error(L, c);
        return 3;
    }
    if (c->state == 0) {
        lua_pushboolean(L, 0);
        return 1;
    }
    lua_rawgeti(L, base, 1);
    return 1;
}

/* prepare_ip - c's A lookup: ip reversed under zone, or badname */
static void
prepare_ip(struct list_check *c, int ip_ok, const struct dns_addr *a,
           const char *zone, size_t zlen)
{
    memset(c, 0, sizeof *c);
    c->a.qtype = DNS_A;
    if (!ip_ok || strlen(zone) != zlen || dns_reverse_name(a, zone,
                                                            c->a.name) < 0) {
        dns_job_fail(&c->a, "badname");
        snprintf(c->a.detail, sizeof c->a.detail, "no DNS list name can be "
                 "made of that address and zone '%.64s'", zone);
    }
}

/* l_dnsbl - dns.dnsbl(ip, zone) -> false | answers (.txt) | nil, err */
static int
l_dnsbl(lua_State *L)
{
    struct dns_state *st = dns_upstate(L);
    struct list_check c;
    struct dns_addr a;
    int ok = dns_ip_arg(L, 1, &a);
    size_t zlen;
    const char *zone = dns_check_string(L, 2, &zlen);

    prepare_ip(&c, ok, &a, zone, zlen);
    return one_list(L, st, &c);
}

/* l_rhsbl - dns.rhsbl(domain, zone) -> as dnsbl */
static int
l_rhsbl(lua_State *L)
{
    struct dns_state *st = dns_upstate(L);
    struct list_check c;
    size_t dlen, zlen;
    const char *domain = dns_check_string(L, 1, &dlen);
    const char *zone = dns_check_string(L, 2, &zlen);

    memset(&c, 0, sizeof c);
    c.a.qtype = DNS_A;
    if (strlen(zone) != zlen || memchr(domain, '\0', dlen) != NULL ||
        dns_join_name(domain, dlen, zone, c.a.name) < 0) {
        dns_job_fail(&c.a, "badname");
        snprintf(c.a.detail, sizeof c.a.detail, "no DNS list name can be "
                 "made of that domain and zone '%.64s'", zone);
    }
    return one_list(L, st, &c);
}

/* l_dnsbl_any - dns.dnsbl_any(ip, zones) -> hits, errors (by zone) */
static int
l_dnsbl_any(lua_State *L)
{
    struct dns_state *st = dns_upstate(L);
    struct list_check *c;
    struct dns_addr a;
    int ok = dns_ip_arg(L, 1, &a), base;
    lua_Integer i, n;

    luaL_checktype(L, 2, LUA_TTABLE);
    n = (lua_Integer)luaL_len(L, 2);
    if (n > 1000)
        return luaL_argerror(L, 2, "more than 1000 zones");
    c = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *c, 0);
    for (i = 1; i <= n; i++) {
        size_t zlen;
        if (lua_geti(L, 2, i) != LUA_TSTRING)
            return luaL_error(L, "bad argument #2 to 'dnsbl_any' (zone %d: "
                              "string expected, got %s)", (int)i,
                              luaL_typename(L, -1));
        const char *zone = lua_tolstring(L, -1, &zlen);
        prepare_ip(&c[i - 1], ok, &a, zone, zlen);
        lua_pop(L, 1);
    }
    base = check_lists(L, st, c, (int)n);
    lua_createtable(L, 0, (int)n);              /* hits */
    lua_createtable(L, 0, 0);                   /* errors */
    for (i = 1; i <= n; i++) {
        const struct list_check *ci = &c[i - 1];
        if (ci->state == 0)
            continue;
        lua_geti(L, 2, i);                      /* the zone */
        if (ci->state == 1)
            lua_rawgeti(L, base, i);
        else
            lua_pushstring(L, ci->err);
        lua_settable(L, ci->state == 1 ? -4 : -3);
    }
    return 2;
}

const luaL_Reg dns_list_funcs[] = {
    {"fcrdns", l_fcrdns},
    {"dnsbl", l_dnsbl},
    {"rhsbl", l_rhsbl},
    {"dnsbl_any", l_dnsbl_any},
    {NULL, NULL}
};
