/*
 * budget.c - the per-callback time budget (see budget.h).
 */
#include "budget.h"
#include "conn.h"
#include "script.h"
#include "stage.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <time.h>

/* now_mono - monotonic clock in seconds */
static double
now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* budget_conn - the connection a state (or one of its coroutines) serves */
static struct conn *
budget_conn(lua_State *L)
{
    return *(struct conn **)lua_getextraspace(L);
}

/* overrun_message - what ran over, for the error and the log */
static void
overrun_message(const struct conn *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s ran over callback_timeout (%g s)",
             c->stage == ST_NONE ? "the script's top level"
                                 : stage_name(c->stage),
             c->script != NULL ? c->script->callback_timeout : 0.0);
}

/* budget_hook - count hook: past the deadline, raise on every instruction
 * (of this coroutine and of the main thread it returns to) */
static void
budget_hook(lua_State *L, lua_Debug *ar)
{
    struct conn *c = budget_conn(L);
    char msg[128];

    (void)ar;
    if (c == NULL || c->deadline == 0)
        return;
    if (!c->overrun) {
        if (now_mono() < c->deadline)
            return;
        c->overrun = 1;
        if (c->L != NULL && c->L != L)
            lua_sethook(c->L, budget_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
    }
    lua_sethook(L, budget_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
    overrun_message(c, msg, sizeof msg);
    luaL_error(L, "%s", msg);
}

/* budget_start - arm the time budget for one call into Lua */
void
budget_start(struct conn *c, lua_State *L)
{
    double t = c->script != NULL ? c->script->callback_timeout : 0;

    c->overrun = 0;
    c->mem_refused = 0;
    if (t <= 0)
        return;
    c->deadline = now_mono() + t;
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1000);
}

/* budget_stop - disarm it; rc is the call's status, turned into an error
 * (with its message in err) when the call ran over but caught that */
int
budget_stop(struct conn *c, lua_State *L, int rc, char *err, size_t errlen)
{
    if (c->deadline != 0) {
        lua_sethook(L, NULL, 0, 0);
        c->deadline = 0;
    }
    if (rc == LUA_OK && c->overrun) {
        char msg[128];

        overrun_message(c, msg, sizeof msg);
        snprintf(err, errlen, "%s (the script caught the error and went "
                 "on; an overrun cannot be caught)", msg);
        return LUA_ERRRUN;
    }
    return rc;
}

/* pass_or_handle - xpcall's message handler wrapper: after an overrun Lua
 * runs handlers with hooks off, so the script's handler is skipped */
static int
pass_or_handle(lua_State *L)
{
    struct conn *c = budget_conn(L);

    if (c != NULL && c->overrun)
        return 1;                               /* the error as it is */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* xpcall_done - xpcall's results, also as the continuation after a yield */
static int
xpcall_done(lua_State *L, int status, lua_KContext base)
{
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)base;
}

/* budget_xpcall - xpcall(f, msgh, ...) whose msgh cannot outlive a budget */
static int
budget_xpcall(lua_State *L)
{
    int nargs = lua_gettop(L) - 2;

    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, pass_or_handle, 1);
    lua_replace(L, 2);                          /* f msgh' args... */
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);                        /* f msgh' true f args... */
    return xpcall_done(L, lua_pcallk(L, nargs, LUA_MULTRET, 2, 2,
                                     xpcall_done), 2);
}

/* budget_open - replace the global xpcall by budget_xpcall */
void
budget_open(lua_State *L)
{
    lua_pushcfunction(L, budget_xpcall);
    lua_setglobal(L, "xpcall");
}

/* raise_overrun - the overrun error again, in the calling thread */
static int
raise_overrun(lua_State *L, struct conn *c)
{
    char msg[128];

    overrun_message(c, msg, sizeof msg);
    return luaL_error(L, "%s", msg);
}

/* close_dead - run a failed coroutine's pending __close handlers and leave
 * its final error object on it */
static void
close_dead(lua_State *co, lua_State *from)
{
#if LUA_VERSION_RELEASE_NUM >= 50406
    lua_closethread(co, from);
#else
    (void)from;
    lua_resetthread(co);
#endif
}

/* guarded_resume - call of a coroutine.wrap function: resume the coroutine;
 * on its failure close it, unless it died of an overrun (its __close
 * handlers would then run with hooks off) */
static int
guarded_resume(lua_State *L)
{
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    struct conn *c;
    int nargs = lua_gettop(L), nres, st;

    if (lua_status(co) == LUA_OK && lua_gettop(co) == 0)
        return luaL_error(L, "cannot resume dead coroutine");
    if (!lua_checkstack(co, nargs))
        return luaL_error(L, "too many arguments to resume");
    lua_xmove(L, co, nargs);
    st = lua_resume(co, L, nargs, &nres);
    if (st == LUA_OK || st == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            return luaL_error(L, "too many results to resume");
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    c = budget_conn(L);
    if (c != NULL && c->overrun)
        return raise_overrun(L, c);
    close_dead(co, L);
    lua_xmove(co, L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {       /* where, as wrap does */
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

/* guarded_wrap - coroutine.wrap whose coroutine is resumed by
 * guarded_resume */
static int
guarded_wrap(lua_State *L)
{
    lua_State *co;

    luaL_checktype(L, 1, LUA_TFUNCTION);
    co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, guarded_resume, 1);
    return 1;
}

/* guarded_close - coroutine.close, refused after an overrun (a coroutine
 * that died of it would run its __close handlers with hooks off) */
static int
guarded_close(lua_State *L)
{
    struct conn *c = budget_conn(L);

    if (c != NULL && c->overrun)
        return raise_overrun(L, c);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* budget_guard_coroutine - replace wrap and close in the coroutine library
 * table on top of the stack */
void
budget_guard_coroutine(lua_State *L)
{
    lua_pushcfunction(L, guarded_wrap);
    lua_setfield(L, -2, "wrap");
    lua_getfield(L, -1, "close");
    lua_pushcclosure(L, guarded_close, 1);
    lua_setfield(L, -2, "close");
}
