/*
 * conn.h - per-connection state.
 *
 * One struct conn per MTA connection, created at the connection's first
 * callback and freed at close.  It owns the connection's Lua state and a
 * reference to the script generation it started with.  ctx is set only
 * while a callback runs, so Lua can never act on a stale SMFICTX.
 */
#ifndef LUAMILTER_CONN_H
#define LUAMILTER_CONN_H

#include <libmilter/mfapi.h>
#include <stddef.h>

#include "arena.h"
#include "negotiate.h"
#include "stage.h"

struct fixed_reply;
struct lua_State;
struct script;

/* a failure not yet reported to the MTA (its stage was reply-less) */
#define PENDING_CONN 1      /* from connect or helo: every message */
#define PENDING_MSG 2       /* from a message stage: this message */

struct conn {
    struct lua_State *L;
    struct script *script;
    SMFICTX *ctx;               /* valid only during a callback */
    enum stage stage;           /* the running callback, ST_NONE between */
    unsigned long id;           /* connection number, for logs */
    unsigned long actions;      /* negotiated SMFIF_* */
    unsigned long protocol;     /* negotiated SMFIP_* */
    unsigned symlists_set;      /* SMFIM_* stages given by setsmlist */
    struct policy_shape shape;
    int class_ref, self_ref;    /* registry references */
    int broken;                 /* the Lua state could not be set up */
    const char *broken_why;     /* ... and why, for the log */
    int adopted;                /* L belongs to a caller (milter.core) */
    int overloaded;             /* past max_connections: refused */
    int on_error;               /* enum on_error */
    const struct fixed_reply *on_error_reply;   /* NULL: the default */
    int pending;                /* PENDING_* */
    const char *pending_why;    /* what failed, for the log */
    enum stage pending_stage;   /* ... and where */
    int announced;              /* "new connection" was logged */
    char client[128];           /* "host [ip]:port", for result lines */
    char qid[40];               /* queue id of this message, once known */
    struct {                    /* the current message, for its result
                                 * line (outcome.c) */
        char reply[200];        /* the reply set at this stage, "" none */
        char from[128];         /* the envelope sender */
        int open;               /* between envfrom and eom or abort */
        int decided;            /* its result was logged */
        int rcpts_ok, rcpts_refused;
        int quarantined;        /* quarantine() succeeded at eom */
    } story;
    size_t mem_used;            /* bytes held by the Lua state */
    struct arena arena;         /* small objects of the Lua state */
    size_t mem_limit;           /* refuse growth past this, 0 = none */
    int mem_refused;            /* the allocator said no, this call */
    int mem_error;              /* ... and Lua raised it (no retry that
                                 * its emergency collection made room for) */
    struct {                    /* the refused request, until retried */
        void *ptr;
        size_t old, size;
        int pending;
    } mem_retry;
    double deadline;            /* monotonic seconds, 0 = none */
    double last_check;          /* when the budget hook last read the clock */
    int overrun;                /* the running callback ran over */
    enum stage budget_stage;    /* what the budget is timing */
    int close_depth;            /* nested coroutine closes (budget.c) */
    int kill_unrecorded;        /* a coroutine died of an overrun but could
                                 * not be recorded (out of memory) */
    struct lua_State *running;  /* the coroutine running now, NULL: main */
    struct conn *live_prev, *live_next; /* the registry of live conns */
    int live;                   /* in that registry */
    double stuck_warned;        /* deadline the watchdog warned about */
};

struct conn *conn_new(void);
struct conn *conn_new_on(struct script *s);
void conn_adopt(struct conn *c, struct lua_State *L, int cls, int on_error,
                const struct fixed_reply *on_error_reply);
void conn_free(struct conn *c);
const char *conn_queue_id(struct conn *c);
const char *conn_tag(struct conn *c, char *buf, size_t len);

/* room for conn_tag's text */
#define CONN_TAG_MAX 64
long conn_count(void);
void conn_set_max(int max);
void conn_each_live(void (*fn)(struct conn *c, void *ud), void *ud);

#endif
