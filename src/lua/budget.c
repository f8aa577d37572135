/*
 * budget.c - the per-callback time budget (see budget.h).
 *
 * Lua runs some code with hooks off: message handlers for an error raised
 * by a hook, finalizers, and the __close handlers of a coroutine that died
 * of such an error.  None of those may run after an overrun, so xpcall,
 * coroutine.wrap and coroutine.close are replaced here and the sandbox
 * refuses __gc.
 */
#include "budget.h"
#include "config.h"
#include "lconn.h"
#include "engine.h"
#include "monotime.h"
#include "script.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>

#define BUDGET_COUNT 1000       /* instructions between clock reads */
#define BUDGET_COUNT_SLOW 100   /* ... once they turn out to be slow */
#define BUDGET_SLOW 0.005       /* seconds between reads that are slow */
#define BUDGET_CLOSE_DEPTH 100  /* nested coroutine closes allowed */

static const char killed_key = 'k';     /* registry: threads an overrun
                                         * killed (weak keys) */

/* set_deadline - store c's deadline (the watchdog reads it from another
 * thread) */
static void
set_deadline(struct lconn *c, double deadline)
{
    __atomic_store(&c->deadline, &deadline, __ATOMIC_RELAXED);
}

/* budget_conn - the conn whose budget times what runs in L or in any of
 * its coroutines: the state's owner */
static struct lconn *
budget_conn(lua_State *L)
{
    return lstate_owner(L);
}

/* budget_remaining - seconds left of the budget of what runs in L now,
 * for a module's wait (DNS, Redis); negative when nothing limits it, 0
 * once it has run out */
double
budget_remaining(lua_State *L)
{
    struct lconn *c = budget_conn(L);
    double deadline, left;

    if (c == NULL)
        return -1;
    __atomic_load(&c->deadline, &deadline, __ATOMIC_RELAXED);
    if (deadline == 0)
        return -1;
    left = deadline - mono_now();
    return left > 0 && !c->overrun ? left : 0;
}

/* budget_timed_name - what a budget timing st is called in messages */
const char *
budget_timed_name(enum stage st)
{
    return st == ST_NONE ? "the script's top level" : stage_name(st);
}

/* overrun_message - what ran over, for the error and the log */
static void
overrun_message(const struct lconn *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s ran over callback_timeout (%g s)",
             budget_timed_name(c->budget_stage),
             c->script != NULL ? c->script->cfg->callback_timeout : 0.0);
}

/* add_killed - (protected) put the running coroutine in the killed set */
static int
add_killed(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &killed_key) == LUA_TTABLE) {
        lua_pushthread(L);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
    }
    return 0;
}

/* mark_killed - remember that an overrun raised in coroutine L; if even
 * that fails (out of memory), no dead coroutine is closed any more */
static void
mark_killed(struct lconn *c, lua_State *L)
{
    lua_pushcfunction(L, add_killed);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        c->kill_unrecorded = 1;
    }
}

/* was_killed - whether an overrun raised in coroutine co, which died of
 * an error (so pushing on its stack is safe) */
static int
was_killed(lua_State *L, lua_State *co)
{
    int killed = 0;

    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &killed_key) == LUA_TTABLE &&
        lua_checkstack(co, 1)) {
        lua_pushthread(co);
        lua_xmove(co, L, 1);
        killed = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return killed;
}

/* budget_hook - count hook: past the deadline, raise on every instruction
 * (of this coroutine and of the main thread it returns to) */
static void
budget_hook(lua_State *L, lua_Debug *ar)
{
    struct lconn *c = budget_conn(L);
    char msg[128];
    double now;

    (void)ar;
    if (c == NULL || c->deadline == 0)
        return;
    if (!c->overrun) {
        now = mono_now();
        if (now < c->deadline) {
            if (now - c->last_check > BUDGET_SLOW &&
                lua_gethookcount(L) > BUDGET_COUNT_SLOW)
                lua_sethook(L, budget_hook, LUA_MASKCOUNT, BUDGET_COUNT_SLOW);
            c->last_check = now;
            return;
        }
        c->overrun = 1;
        if (c->L != NULL && c->L != L)
            lua_sethook(c->L, budget_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
    }
    lua_sethook(L, budget_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
    if (L != c->L)
        mark_killed(c, L);
    overrun_message(c, msg, sizeof msg);
    luaL_error(L, "%s", msg);
}

/* budget_alloc_check - from the allocator, for growth to BUDGET_BIG_ALLOC
 * or more: past the deadline, the running thread's next instruction raises
 * (a loop of slow C calls may take long to reach the next count hook) */
void
budget_alloc_check(struct lconn *c)
{
    if (c->deadline != 0 && !c->overrun &&
        c->L != NULL && mono_now() >= c->deadline)
        lua_sethook(c->running != NULL ? c->running : c->L, budget_hook,
                    LUA_MASKCOUNT, 1);
}

/* budget_start - arm the time budget of c for one call into Lua timing st;
 * an outer budget running is paused into sv */
void
budget_start(struct lconn *c, lua_State *L, enum stage st,
             struct budget_saved *sv)
{
    double t = c->script != NULL ? c->script->cfg->callback_timeout : 0;
    double now = mono_now();

    sv->active = c->deadline != 0;
    sv->remaining = sv->active ? c->deadline - now : 0;
    sv->overrun = c->overrun;
    sv->stage = c->budget_stage;
    c->overrun = 0;
    __atomic_store_n(&c->budget_stage, st, __ATOMIC_RELAXED);
    if (t <= 0) {
        set_deadline(c, 0);
        return;
    }
    set_deadline(c, now + t);
    c->last_check = now;
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, BUDGET_COUNT);
}

/* budget_stop - disarm it, resuming the outer budget if any; rc is the
 * call's status, turned into an error (its message in err) when the call
 * ran over but caught that, or ran over inside C code */
int
budget_stop(struct lconn *c, lua_State *L, struct budget_saved *sv, int rc,
            char *err, size_t errlen)
{
    double now = mono_now();

    if (rc == LUA_OK &&
        (c->overrun || (c->deadline != 0 && now >= c->deadline))) {
        char msg[128];

        overrun_message(c, msg, sizeof msg);
        snprintf(err, errlen, "%s (the script caught the error and went "
                 "on, or was inside a library call; an overrun cannot be "
                 "caught)", msg);
        rc = LUA_ERRRUN;
    }
    __atomic_store_n(&c->budget_stage, sv->stage, __ATOMIC_RELAXED);
    if (sv->active) {
        set_deadline(c, now + (sv->remaining > 0 ? sv->remaining : 1e-9));
        c->overrun = sv->overrun;
        c->last_check = now;
        if (sv->overrun)
            lua_sethook(L, budget_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
        else
            lua_sethook(L, budget_hook, LUA_MASKCOUNT, BUDGET_COUNT);
    } else if (c->deadline != 0) {
        lua_sethook(L, NULL, 0, 0);
        set_deadline(c, 0);
        c->overrun = 0;
    }
    return rc;
}

/* pass_or_handle - xpcall's message handler wrapper: after an overrun Lua
 * runs handlers with hooks off, so the script's handler is skipped */
static int
pass_or_handle(lua_State *L)
{
    struct lconn *c = budget_conn(L);

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

/* budget_open - set up L's killed set and replace the global xpcall by
 * budget_xpcall (raises on out of memory) */
void
budget_open(lua_State *L)
{
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &killed_key);
    lua_pushcfunction(L, budget_xpcall);
    lua_setglobal(L, "xpcall");
}

/* raise_overrun - the overrun error again, in the calling thread */
static int
raise_overrun(lua_State *L, struct lconn *c)
{
    char msg[128];

    overrun_message(c, msg, sizeof msg);
    return luaL_error(L, "%s", msg);
}

/* unsafe_to_close - whether closing co would run __close handlers with
 * hooks off (it died of an overrun, now or in an earlier callback) */
static int
unsafe_to_close(lua_State *L, struct lconn *c, lua_State *co)
{
    int st = lua_status(co);

    if (c == NULL)
        return 0;
    return c->overrun ||
           (st != LUA_OK && st != LUA_YIELD &&
            (c->kill_unrecorded || was_killed(L, co)));
}

/* close_dead - run a failed coroutine's pending __close handlers, leaving
 * its final error object on it; refused (the error left as it is) when
 * closes nest too deep (Lua 5.4.4 overflows the C stack there) */
static void
close_dead(struct lconn *c, lua_State *co, lua_State *from)
{
    if (c != NULL && c->close_depth >= BUDGET_CLOSE_DEPTH)
        return;
    if (c != NULL)
        c->close_depth++;
#if LUA_VERSION_RELEASE_NUM >= 50406
    lua_closethread(co, from);
#else
    (void)from;
    lua_resetthread(co);
#endif
    if (c != NULL)
        c->close_depth--;
}

/* resume_in - lua_resume with c->running naming co meanwhile */
static int
resume_in(struct lconn *c, lua_State *co, lua_State *from, int nargs,
          int *nres)
{
    lua_State *was = c != NULL ? c->running : NULL;
    int st;

    if (c != NULL)
        c->running = co;
    st = lua_resume(co, from, nargs, nres);     /* protected: returns */
    if (c != NULL)
        c->running = was;
    return st;
}

/* guarded_coresume - coroutine.resume keeping c->running up to date */
static int
guarded_coresume(lua_State *L)
{
    struct lconn *c = budget_conn(L);
    lua_State *co = lua_tothread(L, 1), *was;
    int rc;

    lua_pushvalue(L, lua_upvalueindex(1));      /* the real resume */
    lua_insert(L, 1);
    if (c == NULL || co == NULL) {
        lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
        return lua_gettop(L);
    }
    was = c->running;
    c->running = co;
    rc = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    c->running = was;
    if (rc != LUA_OK)
        return lua_error(L);
    return lua_gettop(L);
}

/* guarded_resume - call of a coroutine.wrap function: resume the coroutine,
 * as stock wrap does, but never close one that died of an overrun */
static int
guarded_resume(lua_State *L)
{
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    struct lconn *c = budget_conn(L);
    int nargs = lua_gettop(L), nres, st;

    if (!lua_checkstack(co, nargs))
        return luaL_error(L, "too many arguments to resume");
    lua_xmove(L, co, nargs);
    st = resume_in(c, co, L, nargs, &nres);
    if (st == LUA_OK || st == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            return luaL_error(L, "too many results to resume");
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    st = lua_status(co);
    if (st != LUA_OK && st != LUA_YIELD) {      /* it died: close it */
        if (unsafe_to_close(L, c, co))
            return raise_overrun(L, c);
        close_dead(c, co, L);
    }
    lua_xmove(co, L, 1);                        /* the error */
    if (st != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);                       /* where, as wrap does */
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

/* guarded_close - coroutine.close, refused for a coroutine an overrun
 * killed and past BUDGET_CLOSE_DEPTH nested closes */
static int
guarded_close(lua_State *L)
{
    struct lconn *c = budget_conn(L);
    lua_State *co = lua_tothread(L, 1);
    int rc;

    if (co != NULL && unsafe_to_close(L, c, co)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "coroutine.close: this coroutine was stopped by "
                        "callback_timeout; its __close handlers are not run");
        return 2;
    }
    if (c != NULL && c->close_depth >= BUDGET_CLOSE_DEPTH)
        return luaL_error(L, "coroutine.close: nested too deep");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    if (c != NULL)
        c->close_depth++;
    rc = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    if (c != NULL)
        c->close_depth--;
    if (rc != LUA_OK)
        return lua_error(L);
    return lua_gettop(L);
}

/* budget_guard_coroutine - replace resume, wrap and close in the
 * coroutine library table on top of the stack */
void
budget_guard_coroutine(lua_State *L)
{
    lua_getfield(L, -1, "resume");
    lua_pushcclosure(L, guarded_coresume, 1);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, guarded_wrap);
    lua_setfield(L, -2, "wrap");
    lua_getfield(L, -1, "close");
    lua_pushcclosure(L, guarded_close, 1);
    lua_setfield(L, -2, "close");
}
