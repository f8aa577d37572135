/*
 * dns_api.c - dns.query, dns.start and h:wait, dns.queries, dns.ptr (see
 * docs/lua-api.md).
 */
#include "dns_api.h"
#include "dns_resolver.h"
#include "dns_state.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <string.h>

/* a lookup started by dns.start */
struct dns_handle {
    struct dns_job job;
    int waited;                 /* its result is in the user value */
};

/* dns_upstate - the state of the running function (upvalue 1) */
struct dns_state *
dns_upstate(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* dns_check_string - argument idx must be a string (numbers raise too) */
const char *
dns_check_string(lua_State *L, int idx, size_t *len)
{
    luaL_checktype(L, idx, LUA_TSTRING);
    return lua_tolstring(L, idx, len);
}

/* dns_check_type - argument idx: a record type name (raises otherwise) */
int
dns_check_type(lua_State *L, int idx)
{
    const char *name = dns_check_string(L, idx, NULL);
    int t = dns_type_parse(name);

    if (t == 0)
        return luaL_argerror(L, idx, lua_pushfstring(L, "unknown record type "
                             "'%s' (A, AAAA, PTR, MX, TXT, NS, CNAME or SOA)",
                             name));
    return t;
}

/* dns_ip_arg - argument idx as an address; 0 if it is a string but not an
 * address */
int
dns_ip_arg(lua_State *L, int idx, struct dns_addr *a)
{
    size_t len;
    const char *s = dns_check_string(L, idx, &len);

    return dns_addr_parse(s, len, a) == 0;
}

/* dns_job_fail_addr - j fails with badname: ip is not an address */
void
dns_job_fail_addr(struct dns_job *j, const char *ip)
{
    dns_job_fail(j, "badname");
    snprintf(j->detail, sizeof j->detail, "'%.64s' is not an IPv4 or IPv6 "
             "address", ip);
}

/* dns_ptr_job - j asks for the PTR of the address argument idx (kept in
 * a), or fails with badname */
void
dns_ptr_job(lua_State *L, int idx, struct dns_job *j, struct dns_addr *a)
{
    memset(j, 0, sizeof *j);
    j->qtype = DNS_PTR;
    if (!dns_ip_arg(L, idx, a) ||
        dns_reverse_name(a, a->family == 4 ? "in-addr.arpa" : "ip6.arpa",
                         j->name) < 0)
        dns_job_fail_addr(j, lua_tostring(L, idx));
}

/* dns_run_jobs - send jobs (unless the budget is gone: each then fails
 * with "budget") and wait for them to *deadline (set first if <= 0: the
 * call's own, for its later rounds) */
int
dns_run_jobs(lua_State *L, struct dns_state *st, struct dns_job *jobs,
             int n, double *deadline)
{
    const char *why = NULL;
    int i;

    if (*deadline <= 0)
        why = dns_call_deadline(L, st, deadline);
    if (why != NULL) {
        for (i = 0; i < n; i++)
            if (jobs[i].err == NULL)
                dns_job_fail(&jobs[i], why);
        return -1;
    }
    dns_jobs_send(L, st, jobs, n);
    dns_jobs_wait(st, jobs, n, *deadline);
    return 0;
}

/* l_query - dns.query(name, qtype) -> records | nil, err, detail */
static int
l_query(lua_State *L)
{
    struct dns_state *st = dns_upstate(L);
    struct dns_job j;
    size_t len;
    const char *name = dns_check_string(L, 1, &len);
    int qtype = dns_check_type(L, 2), n;
    double deadline = 0;

    dns_job_prepare(st, &j, name, len, qtype);
    dns_run_jobs(L, st, &j, 1, &deadline);
    n = dns_job_push(L, st, &j);
    dns_job_release(st, &j);
    return n;
}

/* l_start - dns.start(name, qtype) -> a handle, its lookup running */
static int
l_start(lua_State *L)
{
    struct dns_state *st = dns_upstate(L);
    size_t len;
    const char *name = dns_check_string(L, 1, &len);
    int qtype = dns_check_type(L, 2);
    struct dns_handle *h = lua_newuserdatauv(L, sizeof *h, 1);

    memset(h, 0, sizeof *h);
    luaL_setmetatable(L, DNS_HANDLE);
    dns_job_prepare(st, &h->job, name, len, qtype);
    dns_jobs_send(L, st, &h->job, 1);
    return 1;
}

/* l_wait - h:wait() -> what dns.query returns; the same every time once
 * it has an answer (or error) */
static int
l_wait(lua_State *L)
{
    struct dns_handle *h = luaL_checkudata(L, 1, DNS_HANDLE);
    struct dns_state *st = dns_upstate(L);
    double deadline = 0;
    const char *why = NULL;
    int i, n;

    lua_settop(L, 1);
    if (!h->waited) {
        if (h->job.q != NULL && !dns_query_done(h->job.q) &&
            !h->job.q->cancelled) {
            why = dns_call_deadline(L, st, &deadline);
            if (why != NULL) {          /* keep it running for later */
                lua_pushnil(L);
                lua_pushstring(L, why);
                lua_pushliteral(L, "nothing left of the callback's time "
                                "budget to wait in");
                return 3;
            }
            dns_jobs_wait(st, &h->job, 1, deadline);
        }
        n = dns_job_push(L, st, &h->job);       /* at 2 .. n + 1 */
        lua_createtable(L, n, 1);
        for (i = 1; i <= n; i++) {
            lua_pushvalue(L, 1 + i);
            lua_rawseti(L, -2, i);
        }
        lua_pushinteger(L, n);
        lua_setfield(L, -2, "n");
        lua_setiuservalue(L, 1, 1);
        lua_settop(L, 1);
        dns_job_release(st, &h->job);
        h->waited = 1;
    }
    lua_getiuservalue(L, 1, 1);
    lua_getfield(L, -1, "n");
    n = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    for (i = 1; i <= n; i++)
        lua_rawgeti(L, -i, i);
    return n;
}

/* l_queries - dns.queries({{name, qtype}, ...}) -> results in order */
static int
l_queries(lua_State *L)
{
    struct dns_state *st = dns_upstate(L);
    struct dns_job *jobs;
    lua_Integer i, n;
    double deadline = 0;
    int k;

    luaL_checktype(L, 1, LUA_TTABLE);
    n = (lua_Integer)luaL_len(L, 1);
    if (n > 100000)
        return luaL_argerror(L, 1, "more than 100000 lookups");
    jobs = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *jobs, 0);
    for (i = 1; i <= n; i++) {
        size_t len;
        const char *name;
        int qtype;
        if (lua_geti(L, 1, i) != LUA_TTABLE)
            return luaL_error(L, "bad lookup #%d to 'queries' ({name, "
                              "qtype} expected, got %s)", (int)i,
                              luaL_typename(L, -1));
        lua_geti(L, -1, 1);
        lua_geti(L, -2, 2);
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "bad lookup #%d to 'queries' (name: string "
                              "expected, got %s)", (int)i,
                              luaL_typename(L, -2));
        name = lua_tolstring(L, -2, &len);
        if (lua_type(L, -1) != LUA_TSTRING ||
            (qtype = dns_type_parse(lua_tostring(L, -1))) == 0)
            return luaL_error(L, "bad lookup #%d to 'queries' (qtype: A, "
                              "AAAA, PTR, MX, TXT, NS, CNAME or SOA "
                              "expected, got %s)", (int)i,
                              lua_type(L, -1) == LUA_TSTRING
                              ? lua_tostring(L, -1) : luaL_typename(L, -1));
        dns_job_prepare(st, &jobs[i - 1], name, len, qtype);
        lua_pop(L, 3);
    }
    dns_run_jobs(L, st, jobs, (int)n, &deadline);
    lua_createtable(L, (int)n, 0);
    for (i = 1; i <= n; i++) {
        k = dns_job_push(L, st, &jobs[i - 1]);
        if (k == 3) {                   /* {nil, err, detail, err = err} */
            lua_createtable(L, 3, 1);
            lua_insert(L, -4);
            lua_pushvalue(L, -2);
            lua_setfield(L, -5, "err");
            lua_rawseti(L, -4, 3);
            lua_rawseti(L, -3, 2);
            lua_pop(L, 1);
        }
        lua_rawseti(L, -2, i);
    }
    for (i = 0; i < n; i++)
        dns_job_release(st, &jobs[i]);
    return 1;
}

/* l_ptr - dns.ptr(ip) -> names | nil, err, detail */
static int
l_ptr(lua_State *L)
{
    struct dns_state *st = dns_upstate(L);
    struct dns_addr a;
    struct dns_job j;
    double deadline = 0;
    int n;

    dns_ptr_job(L, 1, &j, &a);
    dns_run_jobs(L, st, &j, 1, &deadline);
    n = dns_job_push(L, st, &j);
    dns_job_release(st, &j);
    return n;
}

/* dns_handle_meta - the metatable of handles; their method's upvalue is
 * the state at idx */
void
dns_handle_meta(lua_State *L, int idx)
{
    static const luaL_Reg methods[] = {{"wait", l_wait}, {NULL, NULL}};

    idx = lua_absindex(L, idx);
    if (luaL_newmetatable(L, DNS_HANDLE)) {
        lua_createtable(L, 0, 1);
        lua_pushvalue(L, idx);              /* the state: upvalue */
        luaL_setfuncs(L, methods, 1);
        lua_setfield(L, -2, "__index");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
}

const luaL_Reg dns_api_funcs[] = {
    {"query", l_query},
    {"start", l_start},
    {"queries", l_queries},
    {"ptr", l_ptr},
    {NULL, NULL}
};
