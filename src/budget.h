/*
 * budget.h - the per-callback time budget (callback_timeout).
 *
 * A count hook checks the clock; past the deadline it raises on every
 * instruction, in every coroutine of the state.  Whatever the script does
 * with the error (pcall, xpcall, coroutine.resume), a call that ran over is
 * reported as failed by budget_stop.
 */
#ifndef LUAMILTER_BUDGET_H
#define LUAMILTER_BUDGET_H

#include <stddef.h>

struct conn;
struct lua_State;

void budget_start(struct conn *c, struct lua_State *L);
int budget_stop(struct conn *c, struct lua_State *L, int rc, char *err,
                size_t errlen);
void budget_open(struct lua_State *L);
void budget_guard_coroutine(struct lua_State *L);

#endif
