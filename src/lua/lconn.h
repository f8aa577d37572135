/*
 * lconn.h - the Lua side of a connection: its state, the memory and time
 * that state may use, the policy object bound in it, and the call being
 * served.
 *
 * The session's struct conn holds one as its first member; everything in
 * the Lua layer (engine, budget, sandbox, actions) works on a struct lconn
 * and never sees the session.  lstate.c owns the state: it creates it with
 * the connection's allocator (arena for small objects, memory_limit and
 * memory accounting) and records the owner under a registry key, so any
 * coroutine of the state finds its struct lconn (lstate_owner), as Redis's
 * script_lua.c finds its run context.
 *
 * The connection's MTA backend (mta: libmilter's, or the recorder) is
 * set when the connection is made and kept for its life.  The call
 * context (stage, and the negotiated words the actions check) is set by
 * the session when it enters a callback and cleared when it leaves it
 * (session_enter, session_leave in the session layer): outside a callback
 * no action reaches the MTA.
 */
#ifndef LUAMILTER_LCONN_H
#define LUAMILTER_LCONN_H

#include <stddef.h>

#include "arena.h"
#include "mta.h"
#include "negotiate.h"
#include "stage.h"

struct lua_State;
struct script;
struct module_run;
struct lnotes;

/* which limit refused an allocation */
#define MEM_BY_LIMIT 1      /* the connection's memory_limit */
#define MEM_BY_TOTAL 2      /* memory_total, all connections together */

struct lconn {
    struct lua_State *L;
    struct script *script;      /* the generation the state runs */
    unsigned long id;           /* connection number, for logs */
    int mode;                   /* enum module_mode its state serves */
    int adopted;                /* L belongs to a caller (milter.core) */
    struct module_run *run;     /* the test run it is part of (its clock,
                                 * fresh dictionaries); NULL: live */
    int check;                  /* the check state of a new generation:
                                 * its declarations are validated */
    struct mta mta;             /* where its actions go, for its life */
    /* the policy object bound in L */
    struct policy_shape shape;
    int class_ref, self_ref;    /* registry references */
    /* the call being served: set on entering a callback, cleared after */
    enum stage stage;           /* the running callback, ST_NONE between */
    unsigned long actions;      /* negotiated SMFIF_* */
    unsigned symlists_set;      /* SMFIM_* stages given by setsmlist */
    char qid[40];               /* queue id of this message, once known */
    int quarantined;            /* quarantine() succeeded in this message
                                 * (for its result line) */
    char stage_reply[200];      /* the reply set at this stage, "" none */
    struct lnotes *notes;       /* self:note's, NULL: none (notes.c) */
    /* memory (lstate.c) */
    size_t mem_used;            /* bytes held by the Lua state */
    struct arena arena;         /* small objects of the Lua state */
    size_t mem_limit;           /* refuse growth past this, 0 = none */
    int mem_in_total;           /* draws on memory_total's pool */
    size_t mem_reserved;        /* ... and holds this much of it */
    int mem_refused;            /* the allocator said no, this call:
                                 * MEM_BY_LIMIT or MEM_BY_TOTAL */
    int mem_error;              /* ... and Lua raised it (no retry that
                                 * its emergency collection made room for) */
    struct {                    /* the refused request, until retried */
        void *ptr;
        size_t old, size;
        int pending;
    } mem_retry;
    /* the time budget (budget.c) */
    double deadline;            /* monotonic seconds, 0 = none */
    double last_check;          /* when the budget hook last read the clock */
    int overrun;                /* the running callback ran over */
    enum stage budget_stage;    /* what the budget is timing */
    int close_depth;            /* nested coroutine closes (budget.c) */
    int kill_unrecorded;        /* a coroutine died of an overrun but could
                                 * not be recorded (out of memory) */
    struct lua_State *running;  /* the coroutine running now, NULL: main */
    double stuck_warned;        /* deadline the watchdog warned about */
    struct lconn *watch_prev, *watch_next;  /* the states the watchdog */
    int watched;                            /* looks at (lstate_watch) */
};

struct lua_State *lstate_new(struct lconn *c, char *err, size_t errlen);
void lstate_close(struct lconn *c);
int lstate_set_owner(struct lua_State *L, struct lconn *c);
struct lconn *lstate_owner(struct lua_State *L);
void lstate_limit_note(struct lconn *c, char *err, size_t errlen);
const char *lconn_queue_id(struct lconn *c);
const char *lconn_tag(struct lconn *c, char *buf, size_t len);
void lconn_note_reply(struct lconn *c, const char *rcode, const char *xcode,
                      const char *text, int nlines);

/* room for lconn_tag's text */
#define CONN_TAG_MAX 64
void lstate_watch(struct lconn *c);
void lstate_unwatch(struct lconn *c);
void lstate_each_watched(void (*fn)(struct lconn *c, void *ud), void *ud);

#endif
