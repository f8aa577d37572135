/*
 * conn.h - per-connection state.
 *
 * One struct conn per connection: an MTA's (created at its first
 * callback, freed at close), or one the transaction driver serves (replay,
 * milter.test, an in-policy test).  Its Lua side (struct lconn: the state,
 * a reference to the script generation it started with, the MTA backend,
 * the call being served) is its first member; the rest is the session:
 * its mode, what was negotiated, failures still to answer.
 */
#ifndef LUAMILTER_CONN_H
#define LUAMILTER_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "lconn.h"
#include "mta.h"

struct decision;
struct fixed_reply;
struct lua_State;
struct script;

/* a failure not yet reported to the MTA (its stage was reply-less) */
#define PENDING_CONN 1      /* from connect or helo: every message */
#define PENDING_MSG 2       /* from a message stage: this message */

/* what a connection can do */
enum conn_mode {
    CONN_SERVING = 0,       /* its policy runs */
    CONN_BROKEN             /* its Lua state could not be set up */
};

struct conn {
    struct lconn lc;            /* first: the Lua side (state, memory, time
                                 * budget, MTA backend, the call served) */
    int mode;                   /* enum conn_mode */
    const char *broken_why;     /* ... why it is broken, for the log */
    unsigned long protocol;     /* negotiated SMFIP_* */
    int on_error;               /* enum on_error */
    const struct fixed_reply *on_error_reply;   /* NULL: the default */
    int pending;                /* PENDING_* */
    const char *pending_why;    /* what failed, for the log */
    enum stage pending_stage;   /* ... and where */
    int announced;              /* "new connection" was logged */
    char client[128];           /* "host [ip]:port", for result lines */
    struct {                    /* the current message, for its result
                                 * line (outcome.c) */
        char from[128];         /* the envelope sender */
        int open;               /* between envfrom and eom or abort */
        int decided;            /* its result was logged */
        int rcpts_ok, rcpts_refused, rcpts_tempfailed;
    } story;
    struct decision *decision;  /* its decision records, NULL: none */
    struct {                    /* what /connections shows, read by the
                                 * HTTP thread (conn_status.c) */
        int stage;              /* current or last enum stage, atomic */
        int64_t since_us;       /* when it began, monotonic, atomic */
        unsigned long messages; /* messages begun, atomic */
        int client_set, helo_set;   /* release flags of the strings */
        char client[128];
        char helo[128];
    } live;
};

struct conn *conn_new(const struct mta *mta);
struct conn *conn_new_on(struct script *s, int mode, const struct mta *mta);
void conn_adopt(struct conn *c, struct lua_State *L, int cls, int on_error,
                const struct fixed_reply *on_error_reply,
                const struct mta *mta);
const char *conn_tag(struct conn *c, char *buf, size_t len);
void conn_free(struct conn *c);
long conn_count(void);
void conn_set_run(struct module_run *run);
const char *conn_error_kind(const struct conn *c);

#endif
