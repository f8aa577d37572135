/*
 * lvector.c - a test run, read then driven (see lvector.h).
 */
#include "lvector.h"
#include "config.h"
#include "conn.h"
#include "driver.h"
#include "lresult.h"
#include "message.h"
#include "record.h"
#include "testvec.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lvector_on_error - the on_error value of a config word, or -1 */
int
lvector_on_error(const char *word)
{
    int i;

    for (i = ONERR_TEMPFAIL; i <= ONERR_ACCEPT; i++)
        if (strcmp(config_on_error_name(i), word) == 0)
            return i;
    return -1;
}

/* read_on_error - t.on_error (absent, or a word of the config key) and
 * t.on_error_reply (absent, or a reply as the config key has it, of the
 * class on_error answers with) */
static int
read_on_error(lua_State *L, int t, struct lvector *v, char *err,
              size_t errlen)
{
    char why[256];
    int type;

    v->on_error = -1;
    lua_pushliteral(L, "on_error");
    if (lua_rawget(L, t) == LUA_TSTRING)
        v->on_error = lvector_on_error(lua_tostring(L, -1));
    if (!lua_isnil(L, -1) && v->on_error < 0) {
        snprintf(err, errlen, "on_error must be tempfail, reject, continue "
                 "or accept");
        lua_pop(L, 1);
        return -1;
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "on_error_reply");
    type = lua_rawget(L, t);
    if (type == LUA_TSTRING) {
        if (reply_parse(lua_tostring(L, -1), &v->on_error_reply, why,
                        sizeof why) < 0 ||
            config_check_on_error_reply(v->on_error >= 0 ? v->on_error
                                                         : ONERR_TEMPFAIL,
                                        &v->on_error_reply, why,
                                        sizeof why) < 0) {
            snprintf(err, errlen, "on_error_reply: %s", why);
            lua_pop(L, 1);
            return -1;
        }
        v->has_reply = 1;
    } else if (type != LUA_TNIL) {
        snprintf(err, errlen, "on_error_reply must be a string");
        lua_pop(L, 1);
        return -1;
    }
    lua_pop(L, 1);
    return 0;
}

/* read_file - the bytes of a test file (pushed and anchored): confined to
 * dir, or (dir NULL) any regular file; a bad file raises its message */
static void
read_file(struct lanchor *a, const char *path, const char *dir,
          int confine, struct lvector *v)
{
    lua_State *L = a->L;
    luaL_Buffer b;

    if (confine) {
        testvec_push_in(L, dir, path);
    } else if (dir != NULL && path[0] != '/') {
        luaL_buffinit(L, &b);
        luaL_addstring(&b, dir);
        luaL_addchar(&b, '/');
        luaL_addstring(&b, path);
        luaL_pushresult(&b);
        testvec_push(L, lua_tostring(L, -1));
    } else {
        testvec_push(L, path);
    }
    v->msg = lanchor_string(a, -1, &v->msglen);
}

/* read_steps - stages: a list of {stage, args...} */
static int
read_steps(struct lanchor *a, int list, struct lvector *v, char *err,
           size_t errlen)
{
    lua_State *L = a->L;
    size_t i, n = lua_rawlen(L, list);
    int top = lua_gettop(L), entry, st, j, nargs;
    char why[512];

    if (n == 0 || n > LVECTOR_MAX_STEPS) {
        snprintf(err, errlen, "stages: a list of 1 to %d {stage, args...} "
                 "entries expected", LVECTOR_MAX_STEPS);
        return -1;
    }
    v->steps = calloc(n, sizeof *v->steps);
    if (v->steps == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (i = 0; i < n; i++) {
        lua_settop(L, top);
        if (lua_rawgeti(L, list, (lua_Integer)i + 1) != LUA_TTABLE ||
            lua_rawgeti(L, top + 1, 1) != LUA_TSTRING ||
            (st = lenv_stage_by_name(lua_tostring(L, -1))) < 0) {
            snprintf(err, errlen, "stages: entry %zu names no stage", i + 1);
            lua_settop(L, top);
            return -1;
        }
        entry = top + 1;
        nargs = (int)lua_rawlen(L, entry) - 1;
        if (nargs > LENV_MAX_ARGS || !lua_checkstack(L, nargs + 4)) {
            snprintf(err, errlen, "stages: entry %zu has too many "
                     "arguments", i + 1);
            lua_settop(L, top);
            return -1;
        }
        for (j = 2; j <= nargs + 1; j++)
            lua_rawgeti(L, entry, j);
        if (lenv_stage(a, (enum stage)st, top + 3, nargs, &v->steps[i], why,
                       sizeof why) < 0) {
            snprintf(err, errlen, "stages: entry %zu: %s", i + 1, why);
            lua_settop(L, top);
            return -1;
        }
        v->nsteps++;
    }
    lua_settop(L, top);
    return 0;
}

/* lvector_read - the test vector at stack index tc: its message, file
 * (confined to dir when confine is set; else relative to dir, if given)
 * or stages, its environment and on_error; 0, or -1 and what is wrong
 * (a bad file raises its message) */
int
lvector_read(struct lanchor *a, int tc, const char *dir, int confine,
             struct lvector *v, char *err, size_t errlen)
{
    lua_State *L = a->L;
    int t = lua_absindex(L, tc), top = lua_gettop(L), rc = 0;

    memset(v, 0, sizeof *v);
    v->on_error = -1;
    if (!lua_istable(L, t)) {
        snprintf(err, errlen, "a test must be a table, got %s",
                 luaL_typename(L, t));
        return -1;
    }
    if (lenv_read(a, t, &v->env, err, errlen) < 0 ||
        read_on_error(L, t, v, err, errlen) < 0)
        return -1;
    lua_pushliteral(L, "stages");
    if (lua_rawget(L, t) == LUA_TTABLE) {
        rc = read_steps(a, lua_gettop(L), v, err, errlen);
        lua_settop(L, top);
        return rc;
    }
    lua_settop(L, top);
    lua_pushliteral(L, "message");
    if (lua_rawget(L, t) == LUA_TSTRING) {
        v->msg = lanchor_string(a, -1, &v->msglen);
        lua_settop(L, top);
        return 0;
    }
    lua_settop(L, top);
    lua_pushliteral(L, "file");
    if (lua_rawget(L, t) == LUA_TSTRING) {
        read_file(a, lua_tostring(L, -1), dir, confine, v);
        lua_settop(L, top);
        return 0;
    }
    lua_settop(L, top);
    snprintf(err, errlen, "test has no message, file or stages");
    return -1;
}

/* lvector_message - t:message(msg, env): msg the text or {file = path}
 * (any regular file), env a table or nil; 0, or -1 and what is wrong */
int
lvector_message(struct lanchor *a, int msg, int env, struct lvector *v,
                char *err, size_t errlen)
{
    lua_State *L = a->L;
    int top = lua_gettop(L);

    memset(v, 0, sizeof *v);
    v->on_error = -1;
    msg = lua_absindex(L, msg);
    if (lenv_read(a, env, &v->env, err, errlen) < 0)
        return -1;
    if (lua_type(L, msg) == LUA_TSTRING) {
        v->msg = lanchor_string(a, msg, &v->msglen);
        return 0;
    }
    if (lua_istable(L, msg)) {
        lua_pushliteral(L, "file");
        if (lua_rawget(L, msg) == LUA_TSTRING) {
            read_file(a, lua_tostring(L, -1), NULL, 0, v);
            lua_settop(L, top);
            return 0;
        }
        lua_pop(L, 1);
    }
    snprintf(err, errlen, "message: expected the message text or {file = "
             "path}");
    return -1;
}

/* lvector_run - drive d through v, told to r; v's on_error_reply is
 * copied to keep, which the connection then points at (it must live as
 * long as the connection); 0, or -1 and why */
int
lvector_run(struct driver *d, const struct lvector *v,
            struct fixed_reply *keep, struct lresult *r, char *err,
            size_t errlen)
{
    struct message m;
    size_t i;
    int rc;

    if (v->on_error >= 0 && d->c != NULL)
        d->c->on_error = v->on_error;
    if (v->has_reply && d->c != NULL) {
        *keep = v->on_error_reply;
        d->c->on_error_reply = keep;
    }
    if (v->msg == NULL) {
        for (i = 0; i < v->env.env.nmacros; i++)
            record_set_macro(d->rec, v->env.env.macros[i].name,
                             v->env.env.macros[i].value);
        for (i = 0; i < v->nsteps; i++)
            driver_stage(d, v->steps[i].st, &v->steps[i].ev);
        lresult_last_stage(r);
        return 0;
    }
    if (message_parse((const unsigned char *)v->msg, v->msglen, &m, err,
                      errlen) < 0)
        return -1;
    rc = driver_message(d, &m, &v->env.env, err, errlen);
    message_free(&m);
    return rc < 0 ? -1 : 0;
}

/* lvector_free - release what a read vector holds in C */
void
lvector_free(struct lvector *v)
{
    free(v->steps);
    v->steps = NULL;
    v->nsteps = 0;
}
