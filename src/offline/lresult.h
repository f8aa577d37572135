/*
 * lresult.h - what the transaction driver did, as Lua tables: the
 * observer behind milter.core's results and the in-policy tests' checks.
 *
 * The result table, built in a Lua state of the caller's choosing:
 *   { verdict = "reject", result = "rejected", reply = "550 5.7.1 text",
 *     actions = {...},        -- eom's, {} when eom was not reached
 *     rcpts = {...},          -- the recipients accepted
 *     from = "<a@b>", notes = {...},
 *     stages = { {stage =, arg =, verdict =, reply =, actions =, errors =},
 *                ... },       -- every callback run, negotiate included
 *     errors = {...} }        -- the policy's errors, in order
 * An action: {op =, name =, value =, index =, body =} (setreply: rcode,
 * xcode, text).  Policy errors are the log lines (warning and worse) the
 * session writes while a callback runs; lresult_hook collects them.
 *
 * lresult_new (a lua_CFunction) pushes an empty result; lresult_begin
 * then follows the driver into it.  Every table is built under a
 * protected call: running out of memory sets `failed` and never raises
 * through the driver.
 */
#ifndef LUAMILTER_LRESULT_H
#define LUAMILTER_LRESULT_H

#include <stddef.h>

struct driver_observer;
struct lua_State;

struct lresult {
    struct lua_State *L;
    int result;             /* stack index of the result table */
    char *errors;           /* logged since the last stage, NULL none */
    size_t errlen;
    int failed;             /* a table could not be built */
};

extern const struct driver_observer lresult_observer;

int lresult_new(struct lua_State *L);
void lresult_begin(struct lresult *r, struct lua_State *L, int idx);
void lresult_last_stage(struct lresult *r);
void lresult_end(struct lresult *r);
void lresult_hook(int level, const char *line, void *ud);

#endif
