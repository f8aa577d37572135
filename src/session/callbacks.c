/*
 * callbacks.c - xxfi_* callbacks dispatching to the policy (callbacks.h).
 */
#include "callbacks.h"
#include "config.h"
#include "breaker.h"
#include "conn.h"
#include "engine.h"
#include "log.h"
#include "module.h"
#include "mta.h"
#include "outcome.h"
#include "protomask.h"
#include "reply.h"
#include "script.h"
#include "verdict.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

/* stages at which a pending failure may be delivered */
#define DELIVER_CONN                                                     \
    (STAGE_BIT(ST_CONNECT) | STAGE_BIT(ST_HELO) | STAGE_BIT(ST_ENVFROM) | \
     STAGE_BIT(ST_DATA) | STAGE_BIT(ST_EOH) | STAGE_BIT(ST_BODY) |        \
     STAGE_BIT(ST_EOM))
#define DELIVER_MSG                                                  \
    (STAGE_BIT(ST_ENVFROM) | STAGE_BIT(ST_DATA) | STAGE_BIT(ST_EOH) | \
     STAGE_BIT(ST_BODY) | STAGE_BIT(ST_EOM))

static void (*negotiate_hook)(void);    /* callbacks_on_negotiate */

/* conn_of - the context's connection, created on its first callback */
static struct conn *
conn_of(SMFICTX *ctx)
{
    struct conn *c = mta_getpriv(ctx);

    if (c == NULL) {
        c = conn_new();
        if (c != NULL && mta_setpriv(ctx, c) != MI_SUCCESS) {
            conn_free(c);
            c = NULL;
        }
    }
    return c;
}

/* can_reply - whether the MTA waits for a reply at this stage */
static int
can_reply(struct conn *c, enum stage st)
{
    unsigned long nr = stage_info(st)->nr_bit;

    if (st == ST_ABORT || st == ST_CLOSE || st == ST_NEGOTIATE)
        return 0;
    return nr == 0 || (c->protocol & nr) == 0;
}

/* set_literal_reply - set a reply whose text is literal (each '%' doubled
 * for libmilter; the text was checked to fit once doubled) */
static void
set_literal_reply(struct conn *c, SMFICTX *ctx, const char *rcode,
                  const char *xcode, const char *text)
{
    char escaped[REPLY_MAX_LINE + 1];

    outcome_reply(c, rcode, xcode, text, 1);
    if (text != NULL &&
        reply_escaped_len(text, strlen(text)) < sizeof escaped) {
        reply_escape(text, strlen(text), escaped);
        text = escaped;
    }
    mta_setreply(ctx, rcode, xcode, text);
}

/* on_error_status - the on_error verdict, with its reply set; why names
 * the failure in the log */
static sfsistat
on_error_status(struct conn *c, SMFICTX *ctx, enum stage st, const char *why)
{
    const char *rcode, *xcode, *text;
    char tag[CONN_TAG_MAX], reply[REPLY_MAX_LINE + 32];
    int status = verdict_on_error(c->on_error, c->on_error_reply, &rcode,
                                  &xcode, &text);

    if (rcode != NULL)
        set_literal_reply(c, ctx, rcode, xcode, text);
    verdict_reply_text(rcode, xcode, text, reply, sizeof reply);
    log_notice("%s: %s: %s, answering %s%s%s", conn_tag(c, tag, sizeof tag),
               stage_name(st), why, verdict_name(status), reply[0] ? " " : "",
               reply);
    return status;
}

/* failed - the answer after a policy failure (why) at stage st */
static sfsistat
failed(struct conn *c, SMFICTX *ctx, enum stage st, const char *why)
{
    char tag[CONN_TAG_MAX];

    if (st == ST_ABORT || st == ST_CLOSE)
        return SMFIS_CONTINUE;
    if (can_reply(c, st))
        return on_error_status(c, ctx, st, why);
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
static sfsistat
answer_pending(struct conn *c, SMFICTX *ctx, enum stage st)
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
    return on_error_status(c, ctx, st, why);
}

/* pending_due - whether a pending failure is answered at this stage */
static int
pending_due(struct conn *c, enum stage st)
{
    if (!can_reply(c, st))
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
    char where[INET6_ADDRSTRLEN + 128] = "";
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
    log_info("conn#%lu: new connection from %s%s, script %s version %s",
             c->lc.id, host, where,
             c->lc.script != NULL ? c->lc.script->path : "(none)",
             c->lc.script != NULL ? c->lc.script->hash : "-");
}

/* call_enter - the call context of a callback: what its Lua may act on */
static void
call_enter(struct conn *c, SMFICTX *ctx, enum stage st)
{
    c->lc.ctx = ctx;
    c->lc.stage = st;
    if (st == ST_ENVFROM)
        c->lc.qid[0] = '\0';                    /* a new message */
}

/* call_leave - the callback is over: nothing may act on its context */
static void
call_leave(struct conn *c, enum stage st)
{
    if (st == ST_EOM || st == ST_ABORT) {
        c->pending &= ~PENDING_MSG;
        c->lc.qid[0] = '\0';
    }
    c->lc.ctx = NULL;
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

    if (engine_call(&c->lc, st, ev, res, err, sizeof err) < 0) {
        log_policy_error(c, st, err);
        return -1;
    }
    return 0;
}

/* dispatch - run one stage for a connection and return libmilter's status */
static sfsistat
dispatch(SMFICTX *ctx, enum stage st, const struct event *ev)
{
    struct conn *c = conn_of(ctx);
    struct call_result res;
    char tag[CONN_TAG_MAX];
    sfsistat status;
    int ignored;

    if (c == NULL) {
        /* no memory for even a connection: fail safe without Lua */
        if (st == ST_ABORT || st == ST_CLOSE)
            return SMFIS_CONTINUE;
        mta_setreply(ctx, "451", "4.3.0", "Temporary mail filter failure");
        return SMFIS_TEMPFAIL;
    }
    if (st == ST_CONNECT)
        announce(c, ev);
    else if (!c->announced && st != ST_CLOSE && st != ST_NEGOTIATE)
        announce(c, NULL);
    call_enter(c, ctx, st);
    outcome_stage_start(c, st);
    if (pending_due(c, st)) {
        status = answer_pending(c, ctx, st);
    } else if (c->mode == CONN_BROKEN || breaker_open()) {
        status = failed(c, ctx, st, c->mode == CONN_BROKEN ? c->broken_why
                                              : "circuit breaker open");
    } else if ((c->lc.shape.callbacks & STAGE_BIT(st)) == 0) {
        status = SMFIS_CONTINUE;
    } else if (run_policy(c, st, ev, &res) < 0) {
        breaker_error();
        status = failed(c, ctx, st, "policy failed");
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
    if (!can_reply(c, st))
        status = st == ST_ABORT || st == ST_CLOSE ? SMFIS_CONTINUE
                                                  : SMFIS_NOREPLY;
    else if (status == SMFIS_NOREPLY)
        status = SMFIS_CONTINUE;
    outcome_stage_end(c, st, status, ev);
    call_leave(c, st);
    return status;
}

/* str_arg - a NUL-terminated string as an event argument */
static void
str_arg(struct ev_arg *a, const char *s)
{
    a->kind = s != NULL ? EV_STR : EV_NIL;
    a->s = s;
    a->len = s != NULL ? strlen(s) : 0;
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

/* lm_negotiate - OPTNEG: derive options from the class, or ask it */
static sfsistat
lm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
             unsigned long f2, unsigned long f3, unsigned long *pf0,
             unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    struct conn *c = conn_of(ctx);
    unsigned long actions, protocol, mask;
    struct call_result res;
    struct event ev;
    char err[8192];
    int i;

    *pf2 = *pf3 = 0;
    if (negotiate_hook != NULL)
        negotiate_hook();
    if (c == NULL)
        return SMFIS_ALL_OPTS;
    if (c->mode == CONN_BROKEN || breaker_open()) {
        /* ask for every stage with replies, so the failure can be answered;
         * the script is not run */
        c->lc.actions = *pf0 = f0 & NEGOTIATE_ALL_ACTIONS;
        c->protocol = *pf1 = f1 & SMFIP_SKIP;
        pend_setup_failure(c, c->mode == CONN_BROKEN ? c->broken_why
                                                     : "circuit breaker open",
                           0);
        return SMFIS_CONTINUE;
    }
    call_enter(c, ctx, ST_NEGOTIATE);
    actions = c->lc.actions = f0 & NEGOTIATE_ALL_ACTIONS; /* for setsmlist */
    if (protomask_for(&c->lc, &mask, err, sizeof err) < 0) {
        log_policy_error(c, ST_NEGOTIATE, err);
        pend_setup_failure(c, "protocol_mask() failed", 1);
        protocol = f1 & SMFIP_SKIP;
    } else {
        protocol = f1 & ~mask;      /* the offer without the class's mask */
    }
    c->protocol = protocol;
    if (c->lc.shape.callbacks & STAGE_BIT(ST_NEGOTIATE)) {
        memset(&ev, 0, sizeof ev);
        ev.argc = 4;
        for (i = 0; i < 4; i++)
            ev.argv[i].kind = EV_INT;
        ev.argv[0].i = (long long)f0;
        ev.argv[1].i = (long long)f1;
        ev.argv[2].i = (long long)f2;
        ev.argv[3].i = (long long)f3;
        if (run_policy(c, ST_NEGOTIATE, &ev, &res) < 0) {
            pend_setup_failure(c, "negotiate() failed", 1);
            actions = f0 & NEGOTIATE_ALL_ACTIONS;
            protocol = f1 & SMFIP_SKIP;
        } else if (res.status == SMFIS_ALL_OPTS) {
            c->protocol = 0;
            call_leave(c, ST_NEGOTIATE);
            return SMFIS_ALL_OPTS;
        } else if (res.status != SMFIS_CONTINUE) {
            log_notice("conn#%lu: negotiate returned %s; connection refused",
                       c->lc.id, verdict_name(res.status));
            call_leave(c, ST_NEGOTIATE);
            return SMFIS_REJECT;
        } else {
            if (res.nextra >= 1)
                actions = (unsigned long)res.extra[0];
            if (res.nextra >= 2)
                protocol = (unsigned long)res.extra[1];
            if ((actions & ~f0) || (protocol & ~f1))
                log_warn("conn#%lu: negotiate asked for options the MTA did "
                         "not offer; dropped", c->lc.id);
            actions &= f0;
            protocol &= f1;
        }
    }
    c->lc.actions = actions;
    c->protocol = protocol;
    if (engine_apply_symlists(&c->lc, err, sizeof err) < 0) {
        log_policy_error(c, ST_NEGOTIATE, err);
        pend_setup_failure(c, "the symlist declaration failed", 1);
    }
    call_leave(c, ST_NEGOTIATE);
    *pf0 = c->lc.actions;
    *pf1 = c->protocol;
    return SMFIS_CONTINUE;
}

/* lm_connect - connect(hostname, family, hostaddr) */
static sfsistat
lm_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
    struct event ev;
    char addr[INET6_ADDRSTRLEN + 1];

    memset(&ev, 0, sizeof ev);
    ev.argc = 3;
    str_arg(&ev.argv[0], hostname);
    if (sa == NULL) {
        str_arg(&ev.argv[1], "unknown");
    } else if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, addr, sizeof addr);
        str_arg(&ev.argv[1], "inet");
        ev.argv[2].kind = EV_ADDR;
        ev.argv[2].s = addr;
        ev.argv[2].i = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof addr);
        str_arg(&ev.argv[1], "inet6");
        ev.argv[2].kind = EV_ADDR6;
        ev.argv[2].s = addr;
        ev.argv[2].i = ntohs(in6->sin6_port);
        ev.argv[2].flowinfo = ntohl(in6->sin6_flowinfo);
        ev.argv[2].scope_id = in6->sin6_scope_id;
    } else if (sa->sa_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
        str_arg(&ev.argv[1], "unix");
        ev.argv[2].kind = EV_STR;
        ev.argv[2].s = un->sun_path;
        ev.argv[2].len = strnlen(un->sun_path, sizeof un->sun_path);
    } else {
        str_arg(&ev.argv[1], "unknown");
    }
    return dispatch(ctx, ST_CONNECT, &ev);
}

/* lm_helo - hello(heloname) */
static sfsistat
lm_helo(SMFICTX *ctx, char *helo)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    ev.argc = 1;
    str_arg(&ev.argv[0], helo);
    return dispatch(ctx, ST_HELO, &ev);
}

/* argv_event - envelope address then its ESMTP parameters */
static void
argv_event(struct event *ev, char **argv)
{
    memset(ev, 0, sizeof *ev);
    ev->argc = 1;
    str_arg(&ev->argv[0], argv != NULL ? argv[0] : NULL);
    ev->strv = argv != NULL && argv[0] != NULL ? argv + 1 : NULL;
}

/* lm_envfrom - envfrom(from, params...) */
static sfsistat
lm_envfrom(SMFICTX *ctx, char **argv)
{
    struct event ev;

    argv_event(&ev, argv);
    return dispatch(ctx, ST_ENVFROM, &ev);
}

/* lm_envrcpt - envrcpt(to, params...) */
static sfsistat
lm_envrcpt(SMFICTX *ctx, char **argv)
{
    struct event ev;

    argv_event(&ev, argv);
    return dispatch(ctx, ST_ENVRCPT, &ev);
}

/* lm_data - data() */
static sfsistat
lm_data(SMFICTX *ctx)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    return dispatch(ctx, ST_DATA, &ev);
}

/* lm_header - header(name, value) */
static sfsistat
lm_header(SMFICTX *ctx, char *name, char *value)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    ev.argc = 2;
    str_arg(&ev.argv[0], name);
    str_arg(&ev.argv[1], value);
    return dispatch(ctx, ST_HEADER, &ev);
}

/* lm_eoh - eoh() */
static sfsistat
lm_eoh(SMFICTX *ctx)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    return dispatch(ctx, ST_EOH, &ev);
}

/* lm_body - body(chunk), bytes with NULs kept */
static sfsistat
lm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    ev.argc = 1;
    ev.argv[0].kind = EV_STR;
    ev.argv[0].s = chunk != NULL ? (const char *)chunk : "";
    ev.argv[0].len = chunk != NULL ? len : 0;
    return dispatch(ctx, ST_BODY, &ev);
}

/* lm_eom - eom() */
static sfsistat
lm_eom(SMFICTX *ctx)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    return dispatch(ctx, ST_EOM, &ev);
}

/* lm_abort - abort() */
static sfsistat
lm_abort(SMFICTX *ctx)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    return dispatch(ctx, ST_ABORT, &ev);
}

/* lm_unknown - unknown(command) */
static sfsistat
lm_unknown(SMFICTX *ctx, const char *cmd)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    ev.argc = 1;
    str_arg(&ev.argv[0], cmd);
    return dispatch(ctx, ST_UNKNOWN, &ev);
}

/* lm_close - close(), then the connection's state is freed; nothing for
 * a connection that never got as far as negotiating (no state to close) */
static sfsistat
lm_close(SMFICTX *ctx)
{
    struct event ev;
    struct conn *c;

    if (mta_getpriv(ctx) == NULL)
        return SMFIS_CONTINUE;
    memset(&ev, 0, sizeof ev);
    dispatch(ctx, ST_CLOSE, &ev);
    c = mta_getpriv(ctx);
    if (c != NULL) {
        log_debug("conn#%lu: closed", c->lc.id);
        mta_setpriv(ctx, NULL);
        conn_free(c);
    }
    return SMFIS_CONTINUE;
}

/* callbacks_on_negotiate - fn runs first in every negotiate callback, on
 * the thread that read the MTA's OPTNEG (NULL: nothing) */
void
callbacks_on_negotiate(void (*fn)(void))
{
    negotiate_hook = fn;
}

/* callbacks_fill - the filter description with every callback */
void
callbacks_fill(struct smfiDesc *desc)
{
    static char name[] = "luamilter";

    memset(desc, 0, sizeof *desc);
    desc->xxfi_name = name;
    desc->xxfi_version = SMFI_VERSION;
    desc->xxfi_flags = NEGOTIATE_ALL_ACTIONS;
    desc->xxfi_connect = lm_connect;
    desc->xxfi_helo = lm_helo;
    desc->xxfi_envfrom = lm_envfrom;
    desc->xxfi_envrcpt = lm_envrcpt;
    desc->xxfi_header = lm_header;
    desc->xxfi_eoh = lm_eoh;
    desc->xxfi_body = lm_body;
    desc->xxfi_eom = lm_eom;
    desc->xxfi_abort = lm_abort;
    desc->xxfi_close = lm_close;
    desc->xxfi_unknown = lm_unknown;
    desc->xxfi_data = lm_data;
    desc->xxfi_negotiate = lm_negotiate;
}
