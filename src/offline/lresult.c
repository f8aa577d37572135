/*
 * lresult.c - the driver's story as Lua tables (see lresult.h).
 */
#include "lresult.h"
#include "driver.h"
#include "log.h"
#include "record.h"
#include "verdict.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

/* what one protected build is given */
struct build {
    struct lresult *r;
    const void *what;       /* a driver_step, a driver_result, a string */
    char *const *list;      /* envelope: recipients */
    size_t n;
};

/* append - t[#t + 1] = the value on top (popped) */
static void
append(lua_State *L, int t)
{
    lua_rawseti(L, t, (lua_Integer)lua_rawlen(L, t) + 1);
}

/* set_string - t[key] = s, nothing when s is NULL */
static void
set_string(lua_State *L, int t, const char *key, const char *s, size_t n)
{
    if (s == NULL)
        return;
    lua_pushlstring(L, s, n);
    lua_setfield(L, t, key);
}

/* push_action - one recorded action as a table */
static void
push_action(lua_State *L, const struct record_action *a)
{
    int setreply = strcmp(a->op, "setreply") == 0;
    int t;

    lua_createtable(L, 0, 4);
    t = lua_gettop(L);
    set_string(L, t, "op", a->op, strlen(a->op));
    if (a->name != NULL)
        set_string(L, t, setreply ? "rcode" : "name", a->name,
                   strlen(a->name));
    if (a->value != NULL)
        set_string(L, t, setreply ? "text" : "value", a->value,
                   strlen(a->value));
    if (a->xcode != NULL)
        set_string(L, t, "xcode", a->xcode, strlen(a->xcode));
    if (a->idx >= 0) {
        lua_pushinteger(L, a->idx);
        lua_setfield(L, t, "index");
    }
    if (a->bytes != NULL)
        set_string(L, t, "body", (const char *)a->bytes, a->len);
}

/* build_step - (protected) append a stage's table to result.stages, its
 * errors to result.errors; eom's actions become result.actions */
static int
build_step(lua_State *L)
{
    struct build *b = lua_touserdata(L, 2);
    const struct driver_step *s = b->what;
    struct lresult *r = b->r;
    int t, acts;
    size_t i;

    lua_createtable(L, 0, 6);
    t = lua_gettop(L);
    set_string(L, t, "stage", s->name, strlen(s->name));
    set_string(L, t, "arg", s->arg, s->arglen);
    set_string(L, t, "verdict", verdict_word(s->status),
               strlen(verdict_word(s->status)));
    if (s->reply[0] != '\0')
        set_string(L, t, "reply", s->reply, strlen(s->reply));
    lua_createtable(L, (int)s->count, 0);
    acts = lua_gettop(L);
    for (i = 0; i < s->count; i++) {
        push_action(L, record_get(s->rec, s->first + i));
        lua_rawseti(L, acts, (lua_Integer)i + 1);
    }
    lua_setfield(L, t, "actions");
    if (r->errors != NULL) {
        set_string(L, t, "errors", r->errors, r->errlen);
        lua_getfield(L, 1, "errors");
        lua_pushlstring(L, r->errors, r->errlen);
        append(L, lua_gettop(L) - 1);
        lua_pop(L, 1);
    }
    if (s->st == ST_EOM) {
        lua_getfield(L, t, "actions");
        lua_setfield(L, 1, "actions");
    }
    lua_getfield(L, 1, "stages");
    lua_pushvalue(L, t);
    append(L, lua_gettop(L) - 1);
    return 0;
}

/* build_note - (protected) append a note to result.notes */
static int
build_note(lua_State *L)
{
    struct build *b = lua_touserdata(L, 2);

    lua_getfield(L, 1, "notes");
    lua_pushstring(L, b->what);
    append(L, lua_gettop(L) - 1);
    return 0;
}

/* build_from - (protected) result.from */
static int
build_from(lua_State *L)
{
    struct build *b = lua_touserdata(L, 2);

    lua_pushstring(L, b->what);
    lua_setfield(L, 1, "from");
    return 0;
}

/* build_result - (protected) verdict, result, reply, rcpts */
static int
build_result(lua_State *L)
{
    struct build *b = lua_touserdata(L, 2);
    const struct driver_result *res = b->what;
    size_t i;

    lua_pushstring(L, res->verdict);
    lua_setfield(L, 1, "verdict");
    lua_pushstring(L, res->result);
    lua_setfield(L, 1, "result");
    if (res->reply[0] != '\0') {
        lua_pushstring(L, res->reply);
        lua_setfield(L, 1, "reply");
    }
    lua_createtable(L, (int)res->nrcpts, 0);
    for (i = 0; i < res->nrcpts; i++) {
        lua_pushstring(L, res->rcpts[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, 1, "rcpts");
    return 0;
}

/* build_last - (protected) verdict, result, reply and actions from the
 * last stage (t:stages, a test's stages) */
static int
build_last(lua_State *L)
{
    int status;

    lua_getfield(L, 1, "stages");
    if (lua_rawgeti(L, -1, (lua_Integer)lua_rawlen(L, -1)) != LUA_TTABLE)
        return 0;
    lua_getfield(L, -1, "verdict");
    status = verdict_from_name(lua_tostring(L, -1));
    lua_setfield(L, 1, "verdict");
    lua_pushstring(L, driver_result_word(status, 0));
    lua_setfield(L, 1, "result");
    lua_getfield(L, -1, "reply");
    lua_setfield(L, 1, "reply");
    lua_getfield(L, -1, "actions");
    lua_setfield(L, 1, "actions");
    return 0;
}

/* protected - run fn(result, b) protected in r's state; a failure (out
 * of memory) marks r failed */
static void
protected(struct lresult *r, lua_CFunction fn, struct build *b)
{
    lua_State *L = r->L;

    if (r->failed)
        return;
    if (!lua_checkstack(L, 4)) {
        r->failed = 1;
        return;
    }
    b->r = r;
    lua_pushcfunction(L, fn);
    lua_pushvalue(L, r->result);
    lua_pushlightuserdata(L, b);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        r->failed = 1;
    }
}

/* forget_errors - the errors were attached to a stage */
static void
forget_errors(struct lresult *r)
{
    free(r->errors);
    r->errors = NULL;
    r->errlen = 0;
}

/* on_step - a callback as it ran */
static void
on_step(void *ud, const struct driver_step *s)
{
    struct lresult *r = ud;
    struct build b = {NULL, s, NULL, 0};

    protected(r, build_step, &b);
    forget_errors(r);
}

/* on_note - a default the driver applied */
static void
on_note(void *ud, const char *text)
{
    struct build b = {NULL, text, NULL, 0};

    protected(ud, build_note, &b);
}

/* on_envelope - the sender used */
static void
on_envelope(void *ud, const char *from, char *const *rcpts, size_t n)
{
    struct build b = {NULL, from, rcpts, n};

    protected(ud, build_from, &b);
}

/* on_result - how the transaction ended */
static void
on_result(void *ud, const struct driver_result *res)
{
    struct build b = {NULL, res, NULL, 0};

    protected(ud, build_result, &b);
}

const struct driver_observer lresult_observer = {
    on_note, on_envelope, on_step, NULL, NULL, on_result
};

/* lresult_new - push an empty result table (a lua_CFunction: it raises
 * when out of memory) */
int
lresult_new(lua_State *L)
{
    static const char *const lists[] = {"stages", "errors", "actions",
                                        "rcpts", "notes"};
    size_t i;

    lua_createtable(L, 0, 10);
    for (i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        lua_newtable(L);
        lua_setfield(L, -2, lists[i]);
    }
    lua_pushliteral(L, "continue");
    lua_setfield(L, -2, "verdict");
    lua_pushliteral(L, "delivered");
    lua_setfield(L, -2, "result");
    return 1;
}

/* lresult_begin - build the result table at idx of L */
void
lresult_begin(struct lresult *r, lua_State *L, int idx)
{
    memset(r, 0, sizeof *r);
    r->L = L;
    r->result = lua_absindex(L, idx);
}

/* lresult_last_stage - the result is the last stage's (its verdict,
 * result, reply and actions) */
void
lresult_last_stage(struct lresult *r)
{
    struct build b = {NULL, NULL, NULL, 0};

    protected(r, build_last, &b);
}

/* lresult_end - release what r holds in C (the table stays on L) */
void
lresult_end(struct lresult *r)
{
    forget_errors(r);
}

/* lresult_hook - a log hook: warnings and errors, joined by "\n", wait
 * for the next stage's table */
void
lresult_hook(int level, const char *line, void *ud)
{
    struct lresult *r = ud;
    size_t n = strlen(line);
    char *bigger;

    if (level > LOGL_WARN)
        return;
    bigger = realloc(r->errors, r->errlen + n + 2);
    if (bigger == NULL)
        return;
    r->errors = bigger;
    if (r->errlen > 0)
        r->errors[r->errlen++] = '\n';
    memcpy(r->errors + r->errlen, line, n + 1);
    r->errlen += n;
}
