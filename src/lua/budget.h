/*
 * budget.h - the per-callback time budget (callback_timeout).
 *
 * A count hook checks the clock; past the deadline it raises on every
 * instruction, in every coroutine of the state.  Whatever the script does
 * with the error (pcall, xpcall, coroutine.resume), a call that ran over is
 * reported as failed by budget_stop.  Budgets nest: an inner one (a policy
 * test's callback inside the test run) pauses the outer one.
 *
 * The budget belongs to the conn that owns the Lua state (engine_owner: the
 * one its allocator serves); a conn adopted into that state (milter.core)
 * uses the owner's budget.
 */
#ifndef LUAMILTER_BUDGET_H
#define LUAMILTER_BUDGET_H

#include <stddef.h>

#include "stage.h"

struct lconn;
struct lua_State;

#define BUDGET_BIG_ALLOC 65536  /* allocations that budget_alloc_check */

/* what an inner budget saved of the outer one */
struct budget_saved {
    int active;                 /* an outer budget was running */
    double remaining;           /* its seconds left */
    int overrun;                /* it had run over */
    enum stage stage;           /* what it was timing */
};

void budget_start(struct lconn *c, struct lua_State *L, enum stage st,
                  struct budget_saved *sv);
int budget_stop(struct lconn *c, struct lua_State *L, struct budget_saved *sv,
                int rc, char *err, size_t errlen);
void budget_alloc_check(struct lconn *c);
void budget_open(struct lua_State *L);
const char *budget_timed_name(enum stage st);
double budget_remaining(struct lua_State *L);
void budget_guard_coroutine(struct lua_State *L);

#endif
