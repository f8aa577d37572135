/*
 * lcore.c - the milter.core Lua module: the daemon's core without an MTA.
 *
 * A context object binds a policy class of the calling Lua state to a
 * luamilter connection whose MTA is the recording one (record.c), then feeds
 * it stages through the very xxfi_* callbacks the daemon registers with
 * libmilter.  Verdict mapping, stage rules, action checks and error handling
 * are therefore the daemon's own.  milter.test (lua/milter/test.lua) builds
 * its friendlier API on this; lua/milter/core.so exports it to busted, and
 * the daemon hands it to milter.test for in-policy tests (policytest.c)
 * without making it reachable from the policy.
 *
 *   local core = require "milter.core"
 *   local ctx = core.context(Class [, on_error [, on_error_reply]])
 *   ctx:macro(name, value)
 *   ctx:negotiate([actions, protocol]) -> verdict, actions, protocol
 *   ctx:connect(host, family [, addr [, port [, flowinfo [, scope_id]]]]),
 *   ctx:helo(name),
 *   ctx:envfrom(from, ...), ctx:envrcpt(to, ...), ctx:data(),
 *   ctx:header(name, value), ctx:eoh(), ctx:body(bytes), ctx:eom(),
 *   ctx:abort(), ctx:unknown(cmd), ctx:close()
 *       -> verdict, actions, errors
 *   ctx:self() -> the policy object
 *   core.parse_message(bytes) -> { headers = {{name, value}...}, body = bytes }
 *   core.protocol_mask(Class) -> the bits negotiation clears for Class
 */
#include "lcore.h"
#include "actions.h"
#include "callbacks.h"
#include "config.h"
#include "conn.h"
#include "engine.h"
#include "log.h"
#include "message.h"
#include "module.h"
#include "protomask.h"
#include "record.h"
#include "reply.h"
#include "testvec.h"
#include "verdict.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <lauxlib.h>
#include <lua.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define LCORE_CTX "milter.core.context"

struct errbuf {
    char *s;
    size_t len;
};

struct lcore_ctx {
    struct conn conn;
    struct errbuf neg_errors;   /* logged by negotiation, reported with the
                                 * next stage */
    struct fixed_reply on_error_reply;
    SMFICTX *rec;
    int negotiated;
    int closed;
};

static const char *const on_error_opts[] = {
    "tempfail", "reject", "continue", "accept", NULL
};

/* check_ctx - the context argument, open */
static struct lcore_ctx *
check_ctx(lua_State *L)
{
    struct lcore_ctx *k = luaL_checkudata(L, 1, LCORE_CTX);

    if (k->closed)
        luaL_error(L, "milter.core: this context is closed");
    return k;
}

/* collect_log - log hook: warnings and errors into a C buffer */
static void
collect_log(int level, const char *line, void *ud)
{
    struct errbuf *b = ud;
    size_t n = strlen(line);
    char *bigger;

    if (level > LOGL_WARN)
        return;
    bigger = realloc(b->s, b->len + n + 2);
    if (bigger == NULL)
        return;
    b->s = bigger;
    if (b->len > 0)
        b->s[b->len++] = '\n';
    memcpy(b->s + b->len, line, n + 1);
    b->len += n;
}

/* push_actions - the recorded actions as a list of tables, then clear */
static void
push_actions(lua_State *L, SMFICTX *rec)
{
    size_t i, n = record_count(rec);

    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        const struct record_action *a = record_get(rec, i);
        lua_createtable(L, 0, 4);
        lua_pushstring(L, a->op);
        lua_setfield(L, -2, "op");
        if (a->name != NULL) {
            lua_pushstring(L, a->name);
            lua_setfield(L, -2, strcmp(a->op, "setreply") == 0 ? "rcode"
                                                               : "name");
        }
        if (a->value != NULL) {
            lua_pushstring(L, a->value);
            lua_setfield(L, -2, strcmp(a->op, "setreply") == 0 ? "text"
                                                               : "value");
        }
        if (a->xcode != NULL) {
            lua_pushstring(L, a->xcode);
            lua_setfield(L, -2, "xcode");
        }
        if (a->idx >= 0) {
            lua_pushinteger(L, a->idx);
            lua_setfield(L, -2, "index");
        }
        if (a->bytes != NULL) {
            lua_pushlstring(L, (const char *)a->bytes, a->len);
            lua_setfield(L, -2, "body");
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    record_clear(rec);
}

/* struct dispatch_args - what one stage call needs */
struct stage_call {
    enum stage st;
    const char *s1, *s2;
    size_t len1;
    char **argv;
    struct sockaddr_storage *sa;
};

/* the state of this thread before a call was routed to a context */
struct routing {
    struct lconn **slot;
    struct lconn *old_conn;
    const struct mta_backend *old_backend;
};

/* route_enter - send this thread's Lua actions and smfi_* calls to k */
static void
route_enter(lua_State *L, struct lcore_ctx *k, struct routing *r)
{
    r->slot = actions_slot(L);
    r->old_conn = *r->slot;
    *r->slot = &k->conn.lc;
    k->conn.lc.L = L;
    r->old_backend = mta_use(&record_backend);
}

/* route_leave - undo route_enter */
static void
route_leave(const struct routing *r)
{
    mta_use(r->old_backend);
    *r->slot = r->old_conn;
}

/* run_stage - call one xxfi_* callback with this thread routed to us */
static int
run_stage(lua_State *L, struct lcore_ctx *k, const struct stage_call *sc)
{
    struct smfiDesc d;
    struct routing r;
    log_hook_fn old_hook;
    void *old_ud;
    struct errbuf errors = k->neg_errors;       /* taken over */
    int status = SMFIS_CONTINUE;

    k->neg_errors.s = NULL;
    k->neg_errors.len = 0;
    callbacks_fill(&d);
    route_enter(L, k, &r);
    log_set_hook(collect_log, &errors, &old_hook, &old_ud);
    switch (sc->st) {
    case ST_CONNECT:
        status = d.xxfi_connect(k->rec, (char *)sc->s1,
                                (struct sockaddr *)sc->sa);
        break;
    case ST_HELO: status = d.xxfi_helo(k->rec, (char *)sc->s1); break;
    case ST_ENVFROM: status = d.xxfi_envfrom(k->rec, sc->argv); break;
    case ST_ENVRCPT: status = d.xxfi_envrcpt(k->rec, sc->argv); break;
    case ST_DATA: status = d.xxfi_data(k->rec); break;
    case ST_HEADER:
        status = d.xxfi_header(k->rec, (char *)sc->s1, (char *)sc->s2);
        break;
    case ST_EOH: status = d.xxfi_eoh(k->rec); break;
    case ST_BODY:
        status = d.xxfi_body(k->rec, (unsigned char *)sc->s1, sc->len1);
        break;
    case ST_EOM: status = d.xxfi_eom(k->rec); break;
    case ST_ABORT: status = d.xxfi_abort(k->rec); break;
    case ST_UNKNOWN: status = d.xxfi_unknown(k->rec, sc->s1); break;
    case ST_CLOSE:
        status = d.xxfi_close(k->rec);
        k->closed = 1;
        break;
    default: break;
    }
    log_set_hook(old_hook, old_ud, NULL, NULL);
    route_leave(&r);
    lua_pushstring(L, verdict_word(status));
    push_actions(L, k->rec);
    if (errors.s != NULL)
        lua_pushlstring(L, errors.s, errors.len);
    else
        lua_pushnil(L);
    free(errors.s);
    return 3;
}

/* negotiate_now - OPTNEG with these offers; the status, p0 and p1 set */
static int
negotiate_now(lua_State *L, struct lcore_ctx *k, unsigned long f0,
              unsigned long f1, unsigned long *p0, unsigned long *p1)
{
    struct smfiDesc d;
    struct routing r;
    log_hook_fn old_hook;
    void *old_ud;
    unsigned long p2, p3;
    int st;

    callbacks_fill(&d);
    route_enter(L, k, &r);
    log_set_hook(collect_log, &k->neg_errors, &old_hook, &old_ud);
    st = d.xxfi_negotiate(k->rec, f0, f1, 0, 0, p0, p1, &p2, &p3);
    log_set_hook(old_hook, old_ud, NULL, NULL);
    route_leave(&r);
    k->negotiated = 1;
    return st;
}

/* ensure_negotiated - negotiate with Postfix's offer if not done yet */
static void
ensure_negotiated(lua_State *L, struct lcore_ctx *k)
{
    unsigned long p0, p1;

    if (k->negotiated)
        return;
    negotiate_now(L, k, 0x1ffUL, 0x1fffffUL, &p0, &p1);
    record_clear(k->rec);
}

/* l_negotiate - ctx:negotiate([actions, protocol]) */
static int
l_negotiate(lua_State *L)
{
    struct lcore_ctx *k = check_ctx(L);
    unsigned long f0 = (unsigned long)luaL_optinteger(L, 2, 0x1ff);
    unsigned long f1 = (unsigned long)luaL_optinteger(L, 3, 0x1fffff);
    unsigned long p0 = 0, p1 = 0;
    int st;

    luaL_argcheck(L, !k->negotiated, 1, "already negotiated");
    st = negotiate_now(L, k, f0, f1, &p0, &p1);
    lua_pushstring(L, verdict_word(st));
    lua_pushinteger(L, (lua_Integer)(st == SMFIS_ALL_OPTS ? f0 : p0));
    lua_pushinteger(L, (lua_Integer)(st == SMFIS_ALL_OPTS ? 0 : p1));
    push_actions(L, k->rec);
    return 4;
}

/* l_macro - ctx:macro(name, value) */
static int
l_macro(lua_State *L)
{
    struct lcore_ctx *k = check_ctx(L);

    if (record_set_macro(k->rec, luaL_checkstring(L, 2),
                         luaL_checkstring(L, 3)) < 0)
        return luaL_error(L, "out of memory");
    return 0;
}

/* l_connect - ctx:connect(hostname, family [, addr [, port [, flowinfo
 * [, scope_id]]]]) (the last two for inet6) */
static int
l_connect(lua_State *L)
{
    struct lcore_ctx *k = check_ctx(L);
    static const char *const fams[] = {"inet", "inet6", "unix", "unknown",
                                       NULL};
    struct sockaddr_storage ss;
    struct stage_call sc;
    int fam = luaL_checkoption(L, 3, "inet", fams);
    const char *addr = luaL_optstring(L, 4, fam == 1 ? "::1" : "127.0.0.1");
    lua_Integer port = luaL_optinteger(L, 5, 25025);

    memset(&sc, 0, sizeof sc);
    memset(&ss, 0, sizeof ss);
    sc.st = ST_CONNECT;
    sc.s1 = luaL_checkstring(L, 2);
    sc.sa = &ss;
    if (fam == 0) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
            return luaL_argerror(L, 4, "not an IPv4 address");
    } else if (fam == 1) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        lua_Integer flow = luaL_optinteger(L, 6, 0);
        lua_Integer scope = luaL_optinteger(L, 7, 0);
        luaL_argcheck(L, flow >= 0 && flow <= 0xffffffff, 6,
                      "flow info is 32 bits");
        luaL_argcheck(L, scope >= 0 && scope <= 0xffffffff, 7,
                      "scope id is 32 bits");
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((unsigned short)port);
        in6->sin6_flowinfo = htonl((uint32_t)flow);
        in6->sin6_scope_id = (uint32_t)scope;
        if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
            return luaL_argerror(L, 4, "not an IPv6 address");
    } else if (fam == 2) {
        struct sockaddr_un *un = (struct sockaddr_un *)&ss;
        un->sun_family = AF_UNIX;
        luaL_argcheck(L, strlen(addr) < sizeof un->sun_path, 4,
                      "socket path too long");
        strcpy(un->sun_path, addr);
    } else {
        sc.sa = NULL;
    }
    ensure_negotiated(L, k);
    return run_stage(L, k, &sc);
}

/* simple_stage - a stage with no arguments or one string */
static int
simple_stage(lua_State *L, enum stage st, int nstr)
{
    struct lcore_ctx *k = check_ctx(L);
    struct stage_call sc;

    memset(&sc, 0, sizeof sc);
    sc.st = st;
    if (nstr >= 1)
        sc.s1 = luaL_checklstring(L, 2, &sc.len1);
    if (nstr >= 2)
        sc.s2 = luaL_checkstring(L, 3);
    ensure_negotiated(L, k);
    return run_stage(L, k, &sc);
}

/* argv_stage - envfrom/envrcpt: address then ESMTP parameters */
static int
argv_stage(lua_State *L, enum stage st)
{
    struct lcore_ctx *k = check_ctx(L);
    struct stage_call sc;
    int i, n = lua_gettop(L) - 1;
    char **argv;

    luaL_argcheck(L, n >= 1, 2, "address expected");
    argv = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *argv, 0);
    for (i = 0; i < n; i++)
        argv[i] = (char *)luaL_checkstring(L, 2 + i);
    argv[n] = NULL;     /* argv stays on the stack until the call is over */
    memset(&sc, 0, sizeof sc);
    sc.st = st;
    sc.argv = argv;
    ensure_negotiated(L, k);
    return run_stage(L, k, &sc);
}

/* l_helo - ctx:helo(name) */
static int l_helo(lua_State *L) { return simple_stage(L, ST_HELO, 1); }

/* l_envfrom - ctx:envfrom(from, ...) */
static int l_envfrom(lua_State *L) { return argv_stage(L, ST_ENVFROM); }

/* l_envrcpt - ctx:envrcpt(to, ...) */
static int l_envrcpt(lua_State *L) { return argv_stage(L, ST_ENVRCPT); }

/* l_data - ctx:data() */
static int l_data(lua_State *L) { return simple_stage(L, ST_DATA, 0); }

/* l_header - ctx:header(name, value) */
static int l_header(lua_State *L) { return simple_stage(L, ST_HEADER, 2); }

/* l_eoh - ctx:eoh() */
static int l_eoh(lua_State *L) { return simple_stage(L, ST_EOH, 0); }

/* l_body - ctx:body(bytes) */
static int l_body(lua_State *L) { return simple_stage(L, ST_BODY, 1); }

/* l_eom - ctx:eom() */
static int l_eom(lua_State *L) { return simple_stage(L, ST_EOM, 0); }

/* l_abort - ctx:abort() */
static int l_abort(lua_State *L) { return simple_stage(L, ST_ABORT, 0); }

/* l_unknown - ctx:unknown(cmd) */
static int l_unknown(lua_State *L) { return simple_stage(L, ST_UNKNOWN, 1); }

/* l_close - ctx:close() */
static int l_close(lua_State *L) { return simple_stage(L, ST_CLOSE, 0); }

/* l_self - ctx:self(): the policy object */
static int
l_self(lua_State *L)
{
    struct lcore_ctx *k = luaL_checkudata(L, 1, LCORE_CTX);

    if (k->conn.lc.adopted && k->conn.lc.L != NULL)
        lua_rawgeti(L, LUA_REGISTRYINDEX, k->conn.lc.self_ref);
    else
        lua_pushnil(L);
    return 1;
}

/* l_negotiated - ctx:negotiated(): actions, protocol in force */
static int
l_negotiated(lua_State *L)
{
    struct lcore_ctx *k = luaL_checkudata(L, 1, LCORE_CTX);

    lua_pushinteger(L, (lua_Integer)k->conn.lc.actions);
    lua_pushinteger(L, (lua_Integer)k->conn.protocol);
    return 2;
}

/* l_gc - free the recording context (and the conn if never closed) */
static int
l_gc(lua_State *L)
{
    struct lcore_ctx *k = luaL_checkudata(L, 1, LCORE_CTX);

    if (!k->closed && k->conn.lc.L != NULL)
        engine_unbind(&k->conn.lc);
    k->closed = 1;
    if (k->rec != NULL) {
        record_free(k->rec);
        k->rec = NULL;
    }
    free(k->neg_errors.s);
    k->neg_errors.s = NULL;
    return 0;
}

/* l_context - core.context(Class [, on_error [, on_error_reply]]) */
static int
l_context(lua_State *L)
{
    struct lcore_ctx *k;
    int on_error = luaL_checkoption(L, 2, "tempfail", on_error_opts);
    const char *reply = luaL_optstring(L, 3, NULL);
    struct fixed_reply r;
    char err[256];

    luaL_checktype(L, 1, LUA_TTABLE);
    memset(&r, 0, sizeof r);
    if (reply != NULL &&
        (reply_parse(reply, &r, err, sizeof err) < 0 ||
         config_check_on_error_reply(on_error, &r, err, sizeof err) < 0))
        return luaL_argerror(L, 3, err);
    k = lua_newuserdatauv(L, sizeof *k, 0);
    memset(k, 0, sizeof *k);
    k->closed = 1;                              /* until fully built */
    luaL_setmetatable(L, LCORE_CTX);
    k->on_error_reply = r;
    k->rec = record_new();
    if (k->rec == NULL)
        return luaL_error(L, "out of memory");
    conn_adopt(&k->conn, L, 1, on_error, &k->on_error_reply);
    record_set_priv(k->rec, &k->conn);
    k->closed = 0;
    return 1;
}

/* l_parse_message - core.parse_message(bytes) */
static int
l_parse_message(lua_State *L)
{
    size_t len, i;
    const char *buf = luaL_checklstring(L, 1, &len);
    struct message m;
    char err[256];

    if (message_parse((const unsigned char *)buf, len, &m, err,
                      sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_createtable(L, 0, 2);
    lua_createtable(L, (int)m.nhdrs, 0);
    for (i = 0; i < m.nhdrs; i++) {
        lua_createtable(L, 2, 0);
        lua_pushstring(L, m.hdrs[i].name);
        lua_rawseti(L, -2, 1);
        lua_pushstring(L, m.hdrs[i].value);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "headers");
    lua_pushlstring(L, (const char *)m.body, m.bodylen);
    lua_setfield(L, -2, "body");
    message_free(&m);
    return 1;
}

/* l_read_file - core.read_file(path): the bytes of a test message file
 * (a regular file of at most 64 MiB, opened without blocking) */
static int
l_read_file(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);

    luaL_argcheck(L, strlen(path) == len, 1, "a path without NUL bytes");
    return testvec_push(L, path);
}

static const luaL_Reg ctx_methods[] = {
    {"abort", l_abort},
    {"body", l_body},
    {"close", l_close},
    {"connect", l_connect},
    {"data", l_data},
    {"envfrom", l_envfrom},
    {"envrcpt", l_envrcpt},
    {"eoh", l_eoh},
    {"eom", l_eom},
    {"header", l_header},
    {"helo", l_helo},
    {"macro", l_macro},
    {"negotiate", l_negotiate},
    {"negotiated", l_negotiated},
    {"self", l_self},
    {"unknown", l_unknown},
    {NULL, NULL}
};

static const luaL_Reg core_funcs[] = {
    {"context", l_context},
    {"protocol_mask", protomask_lua},
    {"parse_message", l_parse_message},
    {"read_file", l_read_file},
    {NULL, NULL}
};

/* luaopen_milter_core - open the milter.core module */
int
luaopen_milter_core(lua_State *L)
{
    if (luaL_newmetatable(L, LCORE_CTX)) {
        luaL_newlib(L, ctx_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);                  /* no script may add a */
        lua_setfield(L, -2, "__metatable");     /* Lua __gc to it */
    }
    lua_pop(L, 1);
    luaL_newlib(L, core_funcs);
    return 1;
}

struct module lcore_module = {
    .name = "milter.core", .open = luaopen_milter_core, .flags = MODULE_TOOL
};
