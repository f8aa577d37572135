/*
 * dispatch.c - one stage of a connection through its policy (dispatch.h).
 */
#include "dispatch.h"
#include "breaker.h"
#include "config.h"
#include "conn.h"
#include "engine.h"
#include "event.h"
#include "log.h"
#include "mta.h"
#include "verdict.h"

#include <stdio.h>
#include <string.h>

/* stages at which a pending failure may be delivered */
#define DELIVER_CONN                                                     \
    (STAGE_BIT(ST_CONNECT) | STAGE_BIT(ST_HELO) | STAGE_BIT(ST_ENVFROM) | \
     STAGE_BIT(ST_DATA) | STAGE_BIT(ST_EOH) | STAGE_BIT(ST_BODY) |        \
     STAGE_BIT(ST_EOM))
#define DELIVER_MSG                                                  \
    (STAGE_BIT(ST_ENVFROM) | STAGE_BIT(ST_DATA) | STAGE_BIT(ST_EOH) | \
     STAGE_BIT(ST_BODY) | STAGE_BIT(ST_EOM))

/* session_replies - whether the MTA waits for a reply at this stage */
int
session_replies(const struct conn *c, enum stage st)
{
    unsigned long nr = stage_info(st)->nr_bit;

    if (st == ST_ABORT || st == ST_CLOSE || st == ST_NEGOTIATE)
        return 0;
    return nr == 0 || (c->protocol & nr) == 0;
}

/* on_error_status - the on_error verdict, with its reply set; why names
 * the failure in the log */
static int
on_error_status(struct conn *c, enum stage st, const char *why)
{
    const char *rcode, *xcode, *text;
    int status = verdict_on_error(c->on_error, &rcode, &xcode, &text);

    if (rcode != NULL)
        mta_setreply(&c->lc.mta, rcode, xcode, text);
    log_notice("conn#%lu: %s: %s, answering %s%s%s%s%s", c->lc.id,
               stage_name(st), why, verdict_name(status),
               rcode ? " " : "",
               rcode ? rcode : "", xcode ? " " : "", xcode ? xcode : "");
    return status;
}

/* failed - the answer after a policy failure (why) at stage st */
static int
failed(struct conn *c, enum stage st, const char *why)
{
    if (st == ST_ABORT || st == ST_CLOSE)
        return SMFIS_CONTINUE;
    if (session_replies(c, st))
        return on_error_status(c, st, why);
    c->pending |= (st == ST_CONNECT || st == ST_HELO) ? PENDING_CONN
                                                     : PENDING_MSG;
    log_notice("conn#%lu: %s: policy failed at a reply-less stage; the "
               "failure is answered at the next stage that replies", c->lc.id,
               stage_name(st));
    return SMFIS_NOREPLY;
}

/* overloaded - the answer to a connection past max_connections */
static int
overloaded(struct conn *c, enum stage st)
{
    if (!session_replies(c, st))
        return SMFIS_CONTINUE;
    mta_setreply(&c->lc.mta, "451", "4.3.2",
                 "Too many connections to the mail filter, try again later");
    return SMFIS_TEMPFAIL;
}

/* pending_due - whether a pending failure is answered at this stage */
static int
pending_due(struct conn *c, enum stage st)
{
    if (!session_replies(c, st))
        return 0;
    if ((c->pending & PENDING_CONN) && (DELIVER_CONN & STAGE_BIT(st)))
        return 1;
    return (c->pending & PENDING_MSG) && (DELIVER_MSG & STAGE_BIT(st));
}

/* session_enter - the call context of a callback: what its Lua may act on */
static void
session_enter(struct conn *c, enum stage st)
{
    c->lc.stage = st;
    if (st == ST_ENVFROM)
        c->lc.qid[0] = '\0';                    /* a new message */
}

/* session_leave - the callback is over: nothing may act on the MTA */
static void
session_leave(struct conn *c, enum stage st)
{
    if (st == ST_EOM || st == ST_ABORT) {
        c->pending &= ~PENDING_MSG;
        c->lc.qid[0] = '\0';
    }
    c->lc.stage = ST_NONE;
}

/* log_policy_error - a policy failure, with connection and queue id */
static void
log_policy_error(struct conn *c, enum stage st, const char *msg)
{
    const char *qid = lconn_queue_id(&c->lc);

    log_err("conn#%lu%s%s: %s: %s", c->lc.id, qid != NULL ? " " : "",
            qid != NULL ? qid : "", stage_name(st), msg);
}

/* run_policy - the policy's callback for st; -1 after logging a failure */
static int
run_policy(struct conn *c, enum stage st, const struct event *ev,
           struct call_result *res)
{
    char err[8192];

    if (engine_call(&c->lc, st, ev, res, err, sizeof err) < 0) {
        log_policy_error(c, st, err);
        return -1;
    }
    return 0;
}

/* session_stage - run stage st (not negotiate) with its arguments; the
 * status to tell the MTA */
int
session_stage(struct conn *c, enum stage st, const struct event *ev)
{
    struct call_result res;
    int status, ignored;

    session_enter(c, st);
    if (c->mode == CONN_OVERLOADED) {
        status = overloaded(c, st);
    } else if (pending_due(c, st)) {
        status = on_error_status(c, st, "policy failed earlier, at a "
                                 "reply-less stage");
        c->pending &= ~PENDING_MSG;
    } else if (c->mode == CONN_BROKEN || breaker_open()) {
        status = failed(c, st, c->mode == CONN_BROKEN
                                   ? "the policy could not start"
                                   : "circuit breaker open");
    } else if ((c->lc.shape.callbacks & STAGE_BIT(st)) == 0) {
        status = SMFIS_CONTINUE;
    } else if (run_policy(c, st, ev, &res) < 0) {
        breaker_error();
        status = failed(c, st, "policy failed");
    } else {
        status = verdict_for_stage(res.status, st, c->protocol, &ignored);
        if (ignored)
            log_warn("conn#%lu: %s returned %s, which is ignored at this "
                     "stage (declared noreply, or SKIP outside body)",
                     c->lc.id, stage_name(st), verdict_name(res.status));
    }
    session_leave(c, st);
    if (status == SMFIS_NOREPLY && session_replies(c, st))
        status = SMFIS_CONTINUE;
    return status;
}

/* ask_policy - the class's negotiate(): may change *actions and *protocol;
 * the status, SMFIS_CONTINUE when it failed (then the failure is pending) */
static int
ask_policy(struct conn *c, const unsigned long offer[4],
           unsigned long *actions, unsigned long *protocol)
{
    struct call_result res;
    struct event ev;

    event_negotiate(&ev, offer);
    if (run_policy(c, ST_NEGOTIATE, &ev, &res) < 0) {
        c->pending |= PENDING_CONN;
        *actions = offer[0] & NEGOTIATE_ALL_ACTIONS;
        *protocol = offer[1] & SMFIP_SKIP;
        return SMFIS_CONTINUE;
    }
    if (res.status == SMFIS_ALL_OPTS)
        return SMFIS_ALL_OPTS;
    if (res.status != SMFIS_CONTINUE) {
        log_notice("conn#%lu: negotiate returned %s; connection refused",
                   c->lc.id, verdict_name(res.status));
        return SMFIS_REJECT;
    }
    if (res.nextra >= 1)
        *actions = (unsigned long)res.extra[0];
    if (res.nextra >= 2)
        *protocol = (unsigned long)res.extra[1];
    if ((*actions & ~offer[0]) || (*protocol & ~offer[1]))
        log_warn("conn#%lu: negotiate asked for options the MTA did not "
                 "offer; dropped", c->lc.id);
    *actions &= offer[0];
    *protocol &= offer[1];
    return SMFIS_CONTINUE;
}

/* session_negotiate - OPTNEG with the MTA's offer (actions, protocol and
 * two reserved words): options derived from the class, or asked of its
 * negotiate(); the status (SMFIS_CONTINUE, SMFIS_ALL_OPTS, or
 * SMFIS_REJECT: the connection is refused) and the words in force */
int
session_negotiate(struct conn *c, const unsigned long offer[4],
                  unsigned long *actions, unsigned long *protocol)
{
    char err[8192];
    int status = SMFIS_CONTINUE;

    if (c->mode != CONN_SERVING) {
        /* ask for every stage with replies, so the failure can be answered */
        c->lc.actions = *actions = offer[0] & NEGOTIATE_ALL_ACTIONS;
        c->protocol = *protocol = offer[1] & SMFIP_SKIP;
        c->pending |= PENDING_CONN;
        return SMFIS_CONTINUE;
    }
    negotiate_flags(&c->lc.shape, offer[0], offer[1], actions, protocol);
    session_enter(c, ST_NEGOTIATE);
    c->lc.actions = offer[0] & NEGOTIATE_ALL_ACTIONS;   /* for setsmlist */
    c->protocol = *protocol;
    if (c->lc.shape.callbacks & STAGE_BIT(ST_NEGOTIATE))
        status = ask_policy(c, offer, actions, protocol);
    if (status == SMFIS_CONTINUE) {
        c->lc.actions = *actions;
        c->protocol = *protocol;
        if (engine_apply_symlists(&c->lc, err, sizeof err) < 0) {
            log_policy_error(c, ST_NEGOTIATE, err);
            c->pending |= PENDING_CONN;
        }
    } else if (status == SMFIS_ALL_OPTS) {
        c->protocol = 0;
    }
    session_leave(c, ST_NEGOTIATE);
    *actions = c->lc.actions;
    *protocol = c->protocol;
    return status;
}

/* session_close - the close callback, then the connection is freed */
void
session_close(struct conn *c)
{
    struct event ev;

    event_none(&ev);
    session_stage(c, ST_CLOSE, &ev);
    log_debug("conn#%lu: closed", c->lc.id);
    conn_free(c);
}
