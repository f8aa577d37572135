/*
 * actions.c - action methods bound into each connection's state (actions.h).
 */
#include "actions.h"
#include "module.h"
#include "lconn.h"
#include "engine.h"
#include "log.h"
#include "mta.h"
#include "notes.h"
#include "reply.h"
#include "stage.h"

#include <lauxlib.h>
#include <lua.h>
#include <libmilter/mfapi.h>
#include <string.h>

/* largest header name + value libmilter can carry in one packet */
#define ACTION_MAX_FIELD 65000

#define EOM_ONLY STAGE_BIT(ST_EOM)
#define REPLY_STAGES                                                      \
    (STAGE_BIT(ST_CONNECT) | STAGE_BIT(ST_HELO) | STAGE_BIT(ST_ENVFROM) | \
     STAGE_BIT(ST_ENVRCPT) | STAGE_BIT(ST_DATA) | STAGE_BIT(ST_HEADER) |  \
     STAGE_BIT(ST_EOH) | STAGE_BIT(ST_BODY) | STAGE_BIT(ST_EOM) |         \
     STAGE_BIT(ST_UNKNOWN))
#define ANY_CALLBACK (~0u & ~STAGE_BIT(ST_NONE))

/* flag_name - SMFIF_* name for messages */
static const char *
flag_name(unsigned long flag)
{
    switch (flag) {
    case SMFIF_ADDHDRS: return "ADDHDRS";
    case SMFIF_CHGHDRS: return "CHGHDRS";
    case SMFIF_CHGBODY: return "CHGBODY";
    case SMFIF_ADDRCPT: return "ADDRCPT";
    case SMFIF_ADDRCPT_PAR: return "ADDRCPT_PAR";
    case SMFIF_DELRCPT: return "DELRCPT";
    case SMFIF_QUARANTINE: return "QUARANTINE";
    case SMFIF_CHGFROM: return "CHGFROM";
    case SMFIF_SETSYMLIST: return "SETSYMLIST";
    default: return "?";
    }
}

/* actions_slot - where a state names the conn its actions go to: the main
 * thread's extra space, whichever thread asks (a coroutine's own copy
 * would outlive a routing made by milter.core) */
struct lconn **
actions_slot(lua_State *L)
{
    lua_State *main;

    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    main = lua_tothread(L, -1);
    lua_pop(L, 1);
    return (struct lconn **)lua_getextraspace(main);
}

/* action_conn - the running connection, after the checks every action needs */
static struct lconn *
action_conn(lua_State *L, const char *name, unsigned stages,
            unsigned long flag)
{
    struct lconn *c = *actions_slot(L);

    if (c == NULL || c->mta.ops == NULL || c->stage == ST_NONE)
        luaL_error(L, "%s: only available inside a milter callback", name);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->self_ref);
    if (!lua_rawequal(L, 1, -1))
        luaL_error(L, "%s: call it as a method: self:%s(...)", name, name);
    lua_pop(L, 1);
    if ((stages & STAGE_BIT(c->stage)) == 0) {
        if (stages == EOM_ONLY)
            luaL_error(L, "%s: not allowed in %s (only in eom)", name,
                       stage_name(c->stage));
        luaL_error(L, "%s: not allowed in %s", name, stage_name(c->stage));
    }
    if (flag != 0 && (c->actions & flag) == 0)
        luaL_error(L, "%s: the MTA did not grant SMFIF_%s in negotiation",
                   name, flag_name(flag));
    return c;
}

/* check_bytes - a string argument without NUL bytes */
static const char *
check_bytes(lua_State *L, int idx, const char *name, const char *what)
{
    size_t len;
    const char *s = luaL_checklstring(L, idx, &len);

    if (memchr(s, '\0', len) != NULL)
        luaL_error(L, "%s: %s contains a NUL byte", name, what);
    if (len > ACTION_MAX_FIELD)
        luaL_error(L, "%s: %s is longer than %d bytes", name, what,
                   ACTION_MAX_FIELD);
    return s;
}

/* check_header_name - a header field name as RFC 5322 allows */
static const char *
check_header_name(lua_State *L, int idx, const char *name)
{
    const char *h = check_bytes(L, idx, name, "header name");
    const unsigned char *p;

    if (*h == '\0')
        luaL_error(L, "%s: empty header name", name);
    for (p = (const unsigned char *)h; *p != '\0'; p++)
        if (*p < 33 || *p > 126 || *p == ':')
            luaL_error(L, "%s: header name '%s' has a byte not allowed in "
                       "a field name (\\%d)", name, h, *p);
    return h;
}

/* check_header_value - bytes, folded only as LF followed by space or tab */
static const char *
check_header_value(lua_State *L, int idx, const char *name)
{
    const char *v = check_bytes(L, idx, name, "header value");
    const char *p;

    for (p = v; *p != '\0'; p++) {
        if (*p == '\r')
            luaL_error(L, "%s: header value contains CR (fold with \"\\n\\t\")",
                       name);
        if (*p == '\n' && p[1] != ' ' && p[1] != '\t')
            luaL_error(L, "%s: header value has a line break not followed by "
                       "white space (fold with \"\\n\\t\")", name);
    }
    return v;
}

/* opt_params - ESMTP parameters: nil, a string, or a list of strings */
static const char *
opt_params(lua_State *L, int idx, const char *name)
{
    luaL_Buffer b;
    lua_Integer i, n;

    if (lua_isnoneornil(L, idx))
        return NULL;
    if (lua_type(L, idx) == LUA_TSTRING)
        return check_bytes(L, idx, name, "ESMTP parameters");
    luaL_argexpected(L, lua_istable(L, idx), idx, "string or table");
    n = (lua_Integer)lua_rawlen(L, idx);
    luaL_buffinit(L, &b);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: ESMTP parameter %d is not a string", name,
                       (int)i);
        if (i > 1)
            luaL_addchar(&b, ' ');
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_replace(L, idx);
    return check_bytes(L, idx, name, "ESMTP parameters");
}

/* done - raise if libmilter refused, else return true */
static int
done(lua_State *L, int rc, const char *name)
{
    if (rc != MI_SUCCESS)
        return luaL_error(L, "%s: libmilter refused the request (smfi_%s "
                          "failed)", name, name);
    lua_pushboolean(L, 1);
    return 1;
}

/* l_getsymval - self:getsymval(name) -> value or nil */
static int
l_getsymval(lua_State *L)
{
    struct lconn *c = action_conn(L, "getsymval", ANY_CALLBACK, 0);
    const char *name = check_bytes(L, 2, "getsymval", "macro name");
    const char *v = mta_getsymval(&c->mta, name);

    if (v == NULL)
        lua_pushnil(L);
    else
        lua_pushstring(L, v);
    return 1;
}

/* escaped_line - reply text s (len bytes) with every '%' doubled for
 * libmilter, pushed (s itself when it has none) */
static const char *
escaped_line(lua_State *L, const char *s, size_t len)
{
    luaL_Buffer b;
    char *p;

    if (memchr(s, '%', len) == NULL) {
        lua_pushlstring(L, s, len);
        return lua_tostring(L, -1);
    }
    p = luaL_buffinitsize(L, &b, reply_escaped_len(s, len) + 1);
    luaL_pushresultsize(&b, reply_escape(s, len, p));
    return lua_tostring(L, -1);
}

/* l_setreply - self:setreply(rcode, xcode, msg, ...); msg is literal */
static int
l_setreply(lua_State *L)
{
    struct lconn *c = action_conn(L, "setreply", REPLY_STAGES, 0);
    const char *lines[REPLY_MAX_LINES];
    const char *rcode, *xcode = NULL;
    char err[256];
    int i, rc, n = lua_gettop(L) - 3;

    if (lua_type(L, 2) == LUA_TNUMBER)
        lua_tostring(L, 2);                     /* 550 -> "550" in place */
    rcode = check_bytes(L, 2, "setreply", "reply code");
    if (!lua_isnoneornil(L, 3))
        xcode = check_bytes(L, 3, "setreply", "extended code");
    if (reply_check_code(rcode, xcode, err, sizeof err) < 0)
        return luaL_error(L, "setreply: %s", err);
    if (n > REPLY_MAX_LINES)
        return luaL_error(L, "setreply: %d text lines, at most %d", n,
                          REPLY_MAX_LINES);
    luaL_checkstack(L, n + 1, "setreply: too many lines");
    for (i = 0; i < n; i++) {
        size_t len;
        const char *s = luaL_checklstring(L, 4 + i, &len);
        if (reply_check_line(s, len, err, sizeof err) < 0)
            return luaL_error(L, "setreply: line %d: %s", i + 1, err);
        lines[i] = escaped_line(L, s, len);     /* above the arguments */
    }
    rc = n <= 1 ? mta_setreply(&c->mta, rcode, xcode,
                               n == 1 ? lines[0] : NULL)
                : mta_setmlreply(&c->mta, rcode, xcode, n, lines);
    if (rc == MI_SUCCESS)                       /* for the result line */
        lconn_note_reply(c, rcode, xcode, n >= 1 ? lua_tostring(L, 4) : NULL, n);
    return done(L, rc, n <= 1 ? "setreply" : "setmlreply");
}

/* l_addheader - self:addheader(name, value [, idx]) */
static int
l_addheader(lua_State *L)
{
    struct lconn *c = action_conn(L, "addheader", EOM_ONLY, SMFIF_ADDHDRS);
    const char *name = check_header_name(L, 2, "addheader");
    const char *value = check_header_value(L, 3, "addheader");
    lua_Integer idx;

    if (lua_isnoneornil(L, 4))
        return done(L, mta_addheader(&c->mta, name, value), "addheader");
    idx = luaL_checkinteger(L, 4);
    luaL_argcheck(L, idx >= 0 && idx <= 0x7fffffff, 4,
                  "index must be 0 (top) or more");
    return done(L, mta_insheader(&c->mta, (int)idx, name, value),
                "insheader");
}

/* l_chgheader - self:chgheader(name, idx, value); nil or "" deletes */
static int
l_chgheader(lua_State *L)
{
    struct lconn *c = action_conn(L, "chgheader", EOM_ONLY, SMFIF_CHGHDRS);
    const char *name = check_header_name(L, 2, "chgheader");
    lua_Integer idx = luaL_checkinteger(L, 3);
    const char *value = NULL;

    luaL_argcheck(L, idx >= 0 && idx <= 0x7fffffff, 3,
                  "index must be 1 (first occurrence) or more");
    if (!lua_isnoneornil(L, 4)) {
        value = check_header_value(L, 4, "chgheader");
        if (*value == '\0')
            value = NULL;
    }
    return done(L, mta_chgheader(&c->mta, name, (int)idx, value), "chgheader");
}

/* l_addrcpt - self:addrcpt(rcpt [, params]) */
static int
l_addrcpt(lua_State *L)
{
    struct lconn *c = action_conn(L, "addrcpt", EOM_ONLY, 0);
    const char *rcpt = check_bytes(L, 2, "addrcpt", "recipient");
    const char *params = opt_params(L, 3, "addrcpt");
    unsigned long need = params != NULL ? SMFIF_ADDRCPT_PAR : SMFIF_ADDRCPT;

    if (*rcpt == '\0')
        return luaL_error(L, "addrcpt: empty recipient");
    if ((c->actions & need) == 0)
        return luaL_error(L, "addrcpt: the MTA did not grant SMFIF_%s in "
                          "negotiation", flag_name(need));
    return done(L, mta_addrcpt(&c->mta, rcpt, params),
                params != NULL ? "addrcpt_par" : "addrcpt");
}

/* l_delrcpt - self:delrcpt(rcpt) */
static int
l_delrcpt(lua_State *L)
{
    struct lconn *c = action_conn(L, "delrcpt", EOM_ONLY, SMFIF_DELRCPT);
    const char *rcpt = check_bytes(L, 2, "delrcpt", "recipient");

    if (*rcpt == '\0')
        return luaL_error(L, "delrcpt: empty recipient");
    return done(L, mta_delrcpt(&c->mta, rcpt), "delrcpt");
}

/* l_replacebody - self:replacebody(bytes); successive calls append */
static int
l_replacebody(lua_State *L)
{
    struct lconn *c = action_conn(L, "replacebody", EOM_ONLY, SMFIF_CHGBODY);
    size_t len;
    const char *body = luaL_checklstring(L, 2, &len);

    return done(L, mta_replacebody(&c->mta, (const unsigned char *)body, len),
                "replacebody");
}

/* l_chgfrom - self:chgfrom(from [, params]) */
static int
l_chgfrom(lua_State *L)
{
    struct lconn *c = action_conn(L, "chgfrom", EOM_ONLY, SMFIF_CHGFROM);
    const char *from = check_bytes(L, 2, "chgfrom", "sender");
    const char *params = opt_params(L, 3, "chgfrom");

    return done(L, mta_chgfrom(&c->mta, from, params), "chgfrom");
}

/* l_quarantine - self:quarantine(reason) */
static int
l_quarantine(lua_State *L)
{
    struct lconn *c = action_conn(L, "quarantine", EOM_ONLY, SMFIF_QUARANTINE);
    const char *reason = check_bytes(L, 2, "quarantine", "reason");
    int rc;

    if (*reason == '\0')
        return luaL_error(L, "quarantine: empty reason");
    if (strchr(reason, '\r') != NULL || strchr(reason, '\n') != NULL)
        return luaL_error(L, "quarantine: reason contains CR or LF");
    rc = mta_quarantine(&c->mta, reason);
    if (rc == MI_SUCCESS)
        c->quarantined = 1;           /* for the result line */
    return done(L, rc, "quarantine");
}

/* l_progress - self:progress() during long eom work */
static int
l_progress(lua_State *L)
{
    struct lconn *c = action_conn(L, "progress", EOM_ONLY, 0);

    return done(L, mta_progress(&c->mta), "progress");
}

/* l_setsmlist - self:setsmlist(stage, macros), negotiate only */
static int
l_setsmlist(lua_State *L)
{
    struct lconn *c = action_conn(L, "setsmlist", STAGE_BIT(ST_NEGOTIATE),
                                 SMFIF_SETSYMLIST);
    int stage;
    const char *macros;

    if (lua_type(L, 2) == LUA_TNUMBER) {
        lua_Integer n = luaL_checkinteger(L, 2);
        stage = n >= SMFIM_FIRST && n <= SMFIM_LAST ? (int)n : -1;
    } else {
        stage = stage_symlist_parse(luaL_checkstring(L, 2));
    }
    if (stage < 0)
        return luaL_error(L, "setsmlist: '%s' is not a macro stage (connect, "
                          "helo, envfrom, envrcpt, data, eoh, eom)",
                          luaL_tolstring(L, 2, NULL));
    if (lua_istable(L, 3)) {
        lua_getglobal(L, "table");
        lua_getfield(L, -1, "concat");
        lua_pushvalue(L, 3);
        lua_pushliteral(L, " ");
        lua_call(L, 2, 1);
        lua_replace(L, 3);
    }
    macros = check_bytes(L, 3, "setsmlist", "macro list");
    if (c->symlists_set & (1u << stage))
        return luaL_error(L, "setsmlist: macros for this stage were already "
                          "set");
    if (mta_setsymlist(&c->mta, stage, macros) != MI_SUCCESS)
        return luaL_error(L, "setsmlist: libmilter refused the list");
    c->symlists_set |= 1u << stage;
    lua_pushboolean(L, 1);
    return 1;
}

/* l_log - self:log(...) writes its arguments, space separated, at info */
static int
l_log(lua_State *L)
{
    struct lconn *c = *actions_slot(L);
    int i, first = 1, n = lua_gettop(L);
    char tag[CONN_TAG_MAX] = "conn#0";
    luaL_Buffer b;

    if (c != NULL && c->L != NULL && n >= 1 && lua_istable(L, 1)) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->self_ref);
        if (lua_rawequal(L, 1, -1))
            first = 2;
        lua_pop(L, 1);
    }
    if (!log_enabled(LOGL_INFO))
        return 0;
    luaL_buffinit(L, &b);
    for (i = first; i <= n; i++) {
        if (i > first)
            luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    if (c != NULL)
        lconn_tag(c, tag, sizeof tag);
    log_info("%s: %s", tag, lua_tostring(L, -1));
    return 0;
}

/* l_note - self:note(key, value): for the decision record (notes.c) */
static int
l_note(lua_State *L)
{
    return notes_note(L, action_conn(L, "note", ANY_CALLBACK, 0));
}

static const luaL_Reg action_funcs[] = {
    {"addheader", l_addheader},
    {"addrcpt", l_addrcpt},
    {"chgfrom", l_chgfrom},
    {"chgheader", l_chgheader},
    {"delrcpt", l_delrcpt},
    {"getsymval", l_getsymval},
    {"log", l_log},
    {"note", l_note},
    {"progress", l_progress},
    {"quarantine", l_quarantine},
    {"replacebody", l_replacebody},
    {"setreply", l_setreply},
    {"setsmlist", l_setsmlist},
    {NULL, NULL}
};

/* actions_push - push a new table holding every action method */
void
actions_push(lua_State *L)
{
    luaL_newlib(L, action_funcs);
    modules_push_actions(L);
}
