/*
 * dispatch.c - one stage of a connection through its policy (dispatch.h).
 */
#include "dispatch.h"
#include "breaker.h"
#include "config.h"
#include "conn.h"
#include "engine.h"
#include "event.h"
#include "conn_status.h"
#include "decision.h"
#include "log.h"
#include "module.h"
#include "metrics.h"
#include "monotime.h"
#include "mta.h"
#include "notes.h"
#include "outcome.h"
#include "protomask.h"
#include "reply.h"
#include "script.h"
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

/* set_literal_reply - set a reply whose text is literal (each '%' doubled
 * for libmilter; the text was checked to fit once doubled) */
static void
set_literal_reply(struct conn *c, const char *rcode, const char *xcode,
                  const char *text)
{
    char escaped[REPLY_MAX_LINE + 1];

    outcome_reply(c, rcode, xcode, text, 1);
    if (text != NULL &&
        reply_escaped_len(text, strlen(text)) < sizeof escaped) {
        reply_escape(text, strlen(text), escaped);
        text = escaped;
    }
    mta_setreply(&c->lc.mta, rcode, xcode, text);
}

/* on_error_status - the on_error verdict, with its reply set; why names
 * the failure in the log */
static int
on_error_status(struct conn *c, enum stage st, const char *why)
{
    const char *rcode, *xcode, *text;
    char tag[CONN_TAG_MAX], reply[REPLY_MAX_LINE + 32];
    int status = verdict_on_error(c->on_error, c->on_error_reply, &rcode,
                                  &xcode, &text);

    if (rcode != NULL)
        set_literal_reply(c, rcode, xcode, text);
    verdict_reply_text(rcode, xcode, text, reply, sizeof reply);
    log_notice("%s: %s: %s, answering %s%s%s", conn_tag(c, tag, sizeof tag),
               stage_name(st), why, verdict_name(status), reply[0] ? " " : "",
               reply);
    return status;
}

/* failed - the answer after a policy failure (why) at stage st */
static int
failed(struct conn *c, enum stage st, const char *why)
{
    char tag[CONN_TAG_MAX];

    if (st == ST_ABORT || st == ST_CLOSE)
        return SMFIS_CONTINUE;
    if (session_replies(c, st))
        return on_error_status(c, st, why);
    c->pending |= (st == ST_CONNECT || st == ST_HELO) ? PENDING_CONN
                                                     : PENDING_MSG;
    c->pending_why = why;
    c->pending_stage = st;
    log_notice("%s: %s: %s at a stage without reply; the failure is "
               "answered at the next stage that replies",
               conn_tag(c, tag, sizeof tag), stage_name(st), why);
    return SMFIS_NOREPLY;
}

/* answer_pending - the on_error answer to a failure of an earlier stage
 * (or of the connection's setup) */
static int
answer_pending(struct conn *c, enum stage st)
{
    const char *what = c->pending_why != NULL ? c->pending_why
                                              : "policy failed";
    char why[160];

    if (c->pending_stage == ST_NEGOTIATE)   /* before connect: no stage */
        snprintf(why, sizeof why, "%s", what);
    else
        snprintf(why, sizeof why, "%s at %s, which had no reply", what,
                 stage_name(c->pending_stage));
    c->pending &= ~PENDING_MSG;
    return on_error_status(c, st, why);
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

/* announce - the connection's first line at info: who the client is
 * (from connect's arguments; NULL when the MTA does not send connect) and
 * which script serves it; again for each SMTP session the MTA starts on
 * the same milter connection */
static void
announce(struct conn *c, const struct event *connect)
{
    char where[160] = "";
    const char *host = "an unnamed client (connect was negotiated away)";

    c->announced = 1;
    if (connect != NULL) {
        const struct ev_arg *fam = &connect->argv[1], *addr = &connect->argv[2];
        host = connect->argv[0].s != NULL ? connect->argv[0].s : "?";
        if (addr->kind == EV_ADDR || addr->kind == EV_ADDR6)
            snprintf(where, sizeof where, " [%s]:%lld", addr->s, addr->i);
        else if (addr->kind == EV_STR)
            snprintf(where, sizeof where, " (%s socket %.*s)", fam->s,
                     (int)(addr->len > 100 ? 100 : addr->len), addr->s);
        else
            snprintf(where, sizeof where, " (address %s)", fam->s);
    }
    snprintf(c->client, sizeof c->client, "%s%s", host, where);
    conn_status_client(c);
    if (c->lc.mode == MODULE_TEST)
        log_debug("conn#%lu: new test connection from %s%s, script %s "
                  "version %s", c->lc.id, host, where,
                  c->lc.script != NULL ? c->lc.script->path : "(none)",
                  c->lc.script != NULL ? c->lc.script->hash : "-");
    else
        log_info("conn#%lu: new connection from %s%s, script %s version %s",
                 c->lc.id, host, where,
                 c->lc.script != NULL ? c->lc.script->path : "(none)",
                 c->lc.script != NULL ? c->lc.script->hash : "-");
}

/* session_enter - the call context of a callback: what its Lua may act on */
static void
session_enter(struct conn *c, enum stage st)
{
    c->lc.stage = st;
    conn_status_stage(c, st);
    if (st == ST_ENVFROM) {
        c->lc.qid[0] = '\0';                    /* a new message */
        notes_message_begin(&c->lc);            /* ... its own notes */
    }
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

/* log_policy_error - a policy failure, every line of it (the traceback
 * too) headed by the connection number and queue id */
static void
log_policy_error(struct conn *c, enum stage st, const char *msg)
{
    char tag[CONN_TAG_MAX], text[8192 + 32];

    snprintf(text, sizeof text, "%s: %s", stage_name(st), msg);
    log_block(LOGL_ERR, conn_tag(c, tag, sizeof tag), text);
}

/* run_policy - the policy's callback for st; -1 after logging a failure */
static int
run_policy(struct conn *c, enum stage st, const struct event *ev,
           struct call_result *res)
{
    char err[8192];
    double t0 = mono_now();
    int rc = engine_call(&c->lc, st, ev, res, err, sizeof err);
    double took = mono_now() - t0;

    if (c->lc.mode == MODULE_LIVE)
        metrics_observe_stage(st, took);
    if (c->decision != NULL)
        decision_policy_call(c, st, took, rc < 0 ? err : NULL);
    if (rc < 0) {
        if (c->lc.mode == MODULE_LIVE)
            metrics_count_policy_error(st, conn_error_kind(c));
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
    char tag[CONN_TAG_MAX];
    int status, ignored;

    if (st == ST_CONNECT)
        announce(c, ev);
    else if (!c->announced && st != ST_CLOSE && st != ST_NEGOTIATE)
        announce(c, NULL);
    session_enter(c, st);
    if (st == ST_HELO && ev != NULL && ev->argc > 0)
        conn_status_helo(c, ev->argv[0].s);
    outcome_stage_start(c, st);
    if (c->decision != NULL)
        decision_stage_start(c, st, ev);
    if (pending_due(c, st)) {
        status = answer_pending(c, st);
    } else if (c->mode == CONN_BROKEN || breaker_open()) {
        status = failed(c, st, c->mode == CONN_BROKEN ? c->broken_why
                                                      : "circuit breaker open");
    } else if ((c->lc.shape.callbacks & STAGE_BIT(st)) == 0) {
        status = SMFIS_CONTINUE;
    } else if (run_policy(c, st, ev, &res) < 0) {
        breaker_error();
        status = failed(c, st, "policy failed");
    } else {
        status = verdict_for_stage(res.status, st, c->protocol, &ignored);
        if (ignored)
            log_warn("%s: %s returned %s, which is ignored at this stage "
                     "(declared noreply, or SKIP outside body)",
                     conn_tag(c, tag, sizeof tag), stage_name(st),
                     verdict_name(res.status));
    }
    if (c->lc.L != NULL)
        modules_stage_end(c->lc.L, st);
    if (!session_replies(c, st))
        status = st == ST_ABORT || st == ST_CLOSE ? SMFIS_CONTINUE
                                                  : SMFIS_NOREPLY;
    else if (status == SMFIS_NOREPLY)
        status = SMFIS_CONTINUE;
    if (c->decision != NULL)
        decision_stage_end(c, st);
    outcome_stage_end(c, st, status, ev);
    session_leave(c, st);
    return status;
}

/* pend_setup_failure - a failure before connect (why): every message of
 * the connection gets on_error; a script error (counted) goes to the
 * circuit breaker like any other */
static void
pend_setup_failure(struct conn *c, const char *why, int counted)
{
    c->pending |= PENDING_CONN;
    c->pending_why = why;
    c->pending_stage = ST_NEGOTIATE;
    if (counted)
        breaker_error();
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
        pend_setup_failure(c, "negotiate() failed", 1);
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
 * two reserved words): the offer without the class's protocol_mask, or
 * what its negotiate() asks for; the status (SMFIS_CONTINUE,
 * SMFIS_ALL_OPTS, or SMFIS_REJECT: the connection is refused) and the
 * words in force */
int
session_negotiate(struct conn *c, const unsigned long offer[4],
                  unsigned long *actions, unsigned long *protocol)
{
    unsigned long mask;
    char err[8192];
    int status = SMFIS_CONTINUE;

    if (c->mode == CONN_BROKEN || breaker_open()) {
        /* ask for every stage with replies, so the failure can be
         * answered; the script is not run */
        c->lc.actions = *actions = offer[0] & NEGOTIATE_ALL_ACTIONS;
        c->protocol = *protocol = offer[1] & SMFIP_SKIP;
        pend_setup_failure(c, c->mode == CONN_BROKEN ? c->broken_why
                                                     : "circuit breaker open",
                           0);
        return SMFIS_CONTINUE;
    }
    session_enter(c, ST_NEGOTIATE);
    *actions = c->lc.actions = offer[0] & NEGOTIATE_ALL_ACTIONS; /* for
                                                     * setsmlist */
    if (protomask_for(&c->lc, &mask, err, sizeof err) < 0) {
        log_policy_error(c, ST_NEGOTIATE, err);
        pend_setup_failure(c, "protocol_mask() failed", 1);
        *protocol = offer[1] & SMFIP_SKIP;
    } else {
        *protocol = offer[1] & ~mask;   /* the offer without the mask */
    }
    c->protocol = *protocol;
    if (c->lc.shape.callbacks & STAGE_BIT(ST_NEGOTIATE))
        status = ask_policy(c, offer, actions, protocol);
    if (status == SMFIS_CONTINUE) {
        c->lc.actions = *actions;
        c->protocol = *protocol;
        if (engine_apply_symlists(&c->lc, err, sizeof err) < 0) {
            log_policy_error(c, ST_NEGOTIATE, err);
            pend_setup_failure(c, "the symlist declaration failed", 1);
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
