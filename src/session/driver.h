/*
 * driver.h - the one SMTP transaction driver of every MTA-less caller.
 *
 * luamilter replay, milter.core (milter.test's t:message, t:stages and
 * each stage method), the in-policy tests and the fuzz harness all run a
 * policy through here: a connection on the recording MTA (record.h), fed
 * through the session's entry points (dispatch.h) as an MTA would.  The
 * driver negotiates with Postfix's offer, sets Postfix-like default
 * macros, takes missing envelope data from the message (Return-Path or
 * From, To and Cc, through message.c's one address parser), honours what
 * the policy negotiated (skipped stages, header leading space, body in
 * 65535-byte chunks) and stops where an MTA stops (a decisive verdict, all
 * recipients refused, SKIP in body, discard).
 *
 * What happens is told to an observer: notes on defaults applied, the
 * envelope, each callback run (its name, argument, status, reply and the
 * actions it recorded), a summary of the header block and of the body,
 * stages skipped, and the result.  Replay's text and JSON output and the
 * Lua result of milter.core are observers; none of them drives anything.
 */
#ifndef LUAMILTER_DRIVER_H
#define LUAMILTER_DRIVER_H

#include <stddef.h>

#include "stage.h"

struct conn;
struct event;
struct message;
struct record;
struct script;

/* Postfix's offer in OPTNEG */
#define DRIVER_OFFER_ACTIONS 0x1ffUL
#define DRIVER_OFFER_PROTOCOL 0x1fffffUL

/* body chunks the driver sends, at most (libmilter's MILTER_CHUNK_SIZE) */
#define DRIVER_CHUNK 65535

/* a macro the caller sets: for one stage (SMFIM_*), or -1 for all */
struct driver_macro {
    int stage;
    const char *name, *value;
};

/* where a transaction comes from; NULL or 0 fields take the default */
struct driver_env {
    const char *hostname;   /* connect's: "localhost" for a loopback client,
                             * else "[ip]" */
    const char *family;     /* "inet" ("inet6" for an IPv6 client), "inet6",
                             * "unix", "unknown" */
    const char *client;     /* the client's address (a socket path for
                             * unix): 127.0.0.1, or ::1 for inet6 */
    long port;              /* 25025 */
    const char *helo;       /* "localhost" */
    const char *from;       /* Return-Path, else From, else <> */
    const char *const *rcpts;   /* To and Cc */
    size_t nrcpts;
    const char *queue_id;   /* macro i: REPLAY00001 for a connection's
                             * first message, and so on */
    const struct driver_macro *macros;
    size_t nmacros;
    int need_rcpts;         /* without a recipient nothing runs (replay:
                             * nothing an MTA would filter) */
};

/* one callback as it ran, or a summary of several (header, body) */
struct driver_step {
    enum stage st;
    const char *name;       /* "negotiate", "connect", "helo", ... */
    const char *arg;        /* what it was given, for a reader; NULL none */
    size_t arglen;
    int status;             /* SMFIS_*, as the MTA was told */
    const char *reply;      /* the reply that went with it, "" none */
    const struct record *rec;   /* its actions: rec's [first, first+count) */
    size_t first, count;
};

/* how a transaction ended */
struct driver_result {
    int status;             /* the deciding status, SMFIS_* */
    const char *result;     /* delivered quarantined discarded rejected
                             * tempfailed */
    const char *verdict;    /* the status's name, lower case */
    const char *reply;      /* the last reply the client got, "" none */
    int no_rcpts;           /* the transaction had no recipient at all */
    int skipped;            /* ... and need_rcpts: nothing ran */
    char *const *rcpts;     /* the recipients accepted */
    size_t nrcpts;
};

struct driver_observer {
    void (*note)(void *ud, const char *text);
    void (*envelope)(void *ud, const char *from, char *const *rcpts,
                     size_t nrcpts);
    void (*step)(void *ud, const struct driver_step *s);
    void (*summary)(void *ud, const struct driver_step *s);
    void (*skipped)(void *ud, enum stage st, const char *name);
    void (*result)(void *ud, const struct driver_result *r);
};

struct driver {
    struct conn *c;
    struct record *rec;
    const struct driver_observer *obs;  /* each member may be NULL */
    void *ud;
    unsigned long actions, protocol;    /* negotiated, in force */
    int negotiated, refused;    /* OPTNEG done; the policy refused it */
    int connected;              /* connect (or helo) done */
    int in_message;             /* envfrom done, eom or abort not yet */
    int closed;
    unsigned messages;          /* transactions begun, for queue ids */
    char reply[1024];           /* the last reply the client got */
};

int driver_open(struct driver *d, struct script *s, int mode,
                const struct driver_observer *obs, void *ud, char *err,
                size_t errlen);
void driver_init(struct driver *d, struct conn *c, struct record *rec,
                 const struct driver_observer *obs, void *ud);
void driver_close(struct driver *d);
void driver_free(struct driver *d);
int driver_negotiate(struct driver *d, unsigned long actions,
                     unsigned long protocol);
int driver_stage(struct driver *d, enum stage st, const struct event *ev);
int driver_message(struct driver *d, const struct message *m,
                   const struct driver_env *env, char *err, size_t errlen);
const char *driver_stage_name(enum stage st);
const char *driver_result_word(int status, int quarantined);

#endif
