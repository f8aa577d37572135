/*
 * decision.h - one decision record per message (decision_log).
 *
 * A connection whose records are wanted (the daemon's, when decision_log
 * is set; replay --json's) gets a struct decision: an observer fed by the
 * session (dispatch.c: the client, HELO, sender, the time and errors of
 * each policy call; outcome.c: each recipient's verdict, the message's
 * result and the stage it came from, the reply) and by the MTA seam (its
 * backend is wrapped, decision_mta.c: every modification the policy made).
 * A record is finished exactly once per message: at its result (eom, or a
 * decisive verdict earlier), or when it is aborted or the connection
 * closes mid-message ("aborted"; "rejected" or "tempfailed" when every
 * recipient was refused); and once for a connection that ended without
 * any message ("message": false).  Each record holds what happened since
 * the previous one of its connection (the first includes connect and
 * helo).  decision_record.c writes it as one JSON line of at most
 * decision_log_max bytes; the daemon's go to the record log (recordlog.h),
 * replay's to its own report.
 *
 * Everything stored is bounded: strings are kept up to the record's size
 * (shorter once the record holds twice that), lists to DECISION_ITEMS_MAX.
 */
#ifndef LUAMILTER_DECISION_H
#define LUAMILTER_DECISION_H

#include <stddef.h>

#include "mta.h"
#include "stage.h"

struct conn;
struct event;
struct json;
struct decision;

#define DECISION_ITEMS_MAX 1000
#define DECISION_ERRORS_MAX 16

/* where a finished record goes (NULL: the record log) */
typedef void (*decision_emit_fn)(void *ud, const struct decision *d);

struct decision_rcpt {
    char *addr;
    const char *result;         /* accepted rejected tempfailed discarded */
    char *reply;                /* NULL: none */
};

struct decision_action {
    const char *action;         /* addheader insheader chgheader ... */
    const char *k1, *k2;        /* the names of v1 and v2 */
    char *v1, *v2;              /* NULL: absent */
    long idx;                   /* the header index, -1: none */
    size_t length;              /* replacebody: bytes in all */
};

struct decision {
    struct conn *c;
    struct mta inner;           /* the backend the policy's actions reach */
    decision_emit_fn emit;
    void *ud;
    size_t max;                 /* bytes of one record */
    size_t held;                /* bytes of strings held for the record */
    /* the connection */
    char *client_name, *client_addr, *client_family;
    long long client_port;      /* -1: none */
    char *helo;
    unsigned long records;      /* finished in this SMTP session */
    int session;                /* it saw connect, HELO or MAIL */
    int messages;               /* messages begun */
    /* the record under way */
    int open;                   /* a message is open (envfrom on) */
    int message;                /* the record is a message's */
    char qid[40];
    char *from;
    struct decision_rcpt *rcpts;
    size_t nrcpts, rcpts_given;
    int rcpts_ok, rcpts_refused, rcpts_tempfailed;
    struct decision_action *actions;
    size_t nactions, actions_given;
    char *errors[DECISION_ERRORS_MAX];
    size_t nerrors, errors_given;
    const char *result;         /* NULL: none yet */
    enum stage stage, last_stage;   /* where it was decided; reached */
    char *reply;
    double ms, stages_ms[ST_COUNT];
};

int decision_attach(struct conn *c, size_t max, decision_emit_fn emit,
                    void *ud);
void decision_stage_start(struct conn *c, enum stage st,
                          const struct event *ev);
void decision_policy_call(struct conn *c, enum stage st, double seconds,
                          const char *error);
void decision_stage_end(struct conn *c, enum stage st);
void decision_rcpt(struct conn *c, const char *addr, const char *result,
                   const char *reply);
void decision_result(struct conn *c, enum stage st, const char *result,
                     const char *reply);
void decision_connection_result(struct conn *c, enum stage st,
                                const char *result, const char *reply);
void decision_message_gone(struct conn *c);
void decision_close(struct conn *c);
char *decision_keep(struct decision *d, const char *s, size_t n);
void decision_add_action(struct decision *d, const char *action,
                         const char *k1, const char *v1, const char *k2,
                         const char *v2, long idx);
const char *decision_stage_word(enum stage st);

/* decision_record.c */
void decision_write_members(const struct decision *d, struct json *j,
                            size_t keep, size_t items);
int decision_render(const struct decision *d, struct json *j);

/* decision_mta.c */
void decision_wrap_mta(struct decision *d, struct mta *m);

#endif
