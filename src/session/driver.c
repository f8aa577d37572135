/*
 * driver.c - the transaction driver (see driver.h).
 */
#include "driver.h"
#include "conn.h"
#include "dispatch.h"
#include "envelope.h"
#include "event.h"
#include "message.h"
#include "record.h"
#include "script.h"
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what one callback call left: its status and where its actions start */
struct ran {
    int status;
    size_t first;
};

/* driver_stage_name - a stage's name in reports ("helo", not the
 * callback's "hello") */
const char *
driver_stage_name(enum stage st)
{
    return st == ST_HELO ? "helo" : stage_name(st);
}

/* reply_of - the reply among rec's actions [first, first+count) that
 * goes with status (a 4xx for TEMPFAIL, a 5xx for REJECT), in buf */
static void
reply_of(const struct record *rec, size_t first, size_t count, int status,
         char *buf, size_t cap)
{
    size_t i;

    buf[0] = '\0';
    for (i = first; i < first + count; i++) {
        const struct record_action *a = record_get(rec, i);
        if (strcmp(a->op, "setreply") != 0)
            continue;
        if ((status == SMFIS_TEMPFAIL && a->name[0] == '4') ||
            (status == SMFIS_REJECT && a->name[0] == '5'))
            snprintf(buf, cap, "%s%s%s%s%s", a->name, a->xcode ? " " : "",
                     a->xcode ? a->xcode : "", a->value ? " " : "",
                     a->value ? a->value : "");
    }
}

/* tell - report a step (a call, or a summary) to the observer; one that
 * counts sets the reply the client got last */
static void
tell(struct driver *d, int summary, enum stage st, const char *arg,
     size_t arglen, int status, size_t first, int counts)
{
    struct driver_step s;
    char reply[1024];

    reply_of(d->rec, first, record_count(d->rec) - first, status, reply,
             sizeof reply);
    if (counts && reply[0] != '\0')
        snprintf(d->reply, sizeof d->reply, "%s", reply);
    if (d->obs == NULL)
        return;
    s.st = st;
    s.name = driver_stage_name(st);
    s.arg = arg;
    s.arglen = arg != NULL ? arglen : 0;
    s.status = status;
    s.reply = reply;
    s.rec = d->rec;
    s.first = first;
    s.count = record_count(d->rec) - first;
    if (summary && d->obs->summary != NULL)
        d->obs->summary(d->ud, &s);
    else if (!summary && d->obs->step != NULL)
        d->obs->step(d->ud, &s);
}

/* skipped - a stage the policy negotiated away */
static void
skipped(struct driver *d, enum stage st)
{
    if (d->obs != NULL && d->obs->skipped != NULL)
        d->obs->skipped(d->ud, st, driver_stage_name(st));
}

/* driver_init - drive connection c, whose backend is recorder rec (the
 * driver owns both from now on); obs (may be NULL) is told what happens */
void
driver_init(struct driver *d, struct conn *c, struct record *rec,
            const struct driver_observer *obs, void *ud)
{
    memset(d, 0, sizeof *d);
    d->c = c;
    d->rec = rec;
    d->obs = obs;
    d->ud = ud;
    envelope_connection_macros(rec);
}

/* driver_open - a new connection on generation s serving mode (enum
 * module_mode) with a recorder of its own; 0, or -1 and why */
int
driver_open(struct driver *d, struct script *s, int mode,
            const struct driver_observer *obs, void *ud, char *err,
            size_t errlen)
{
    struct record *rec = record_new();
    struct conn *c;
    struct mta mta;

    if (rec == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    mta = record_mta(rec);
    c = conn_new_on(s, mode, &mta);
    if (c == NULL) {
        record_free(rec);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    driver_init(d, c, rec, obs, ud);
    return 0;
}

/* driver_free - free the connection (no callback runs) and the recorder */
void
driver_free(struct driver *d)
{
    if (d->c != NULL)
        conn_free(d->c);
    d->c = NULL;
    d->closed = 1;
    record_free(d->rec);
    d->rec = NULL;
}

/* driver_close - the close callback (unless closed already), then
 * driver_free */
void
driver_close(struct driver *d)
{
    struct event ev;

    if (d->c != NULL && !d->closed) {
        event_none(&ev);
        driver_stage(d, ST_CLOSE, &ev);
    }
    driver_free(d);
}

/* driver_negotiate - OPTNEG with these offers; the status (SMFIS_REJECT:
 * the policy refused the connection) */
int
driver_negotiate(struct driver *d, unsigned long actions,
                 unsigned long protocol)
{
    const unsigned long offer[4] = {actions, protocol, 0, 0};
    char arg[64];
    size_t first = record_count(d->rec);
    int st;

    st = session_negotiate(d->c, offer, &d->actions, &d->protocol);
    d->negotiated = 1;
    d->refused = st != SMFIS_CONTINUE && st != SMFIS_ALL_OPTS;
    snprintf(arg, sizeof arg, "actions=0x%lx protocol=0x%lx", d->actions,
             d->protocol);
    tell(d, 0, ST_NEGOTIATE, arg, strlen(arg),
         st == SMFIS_ALL_OPTS ? SMFIS_CONTINUE : st, first, 0);
    record_clear(d->rec);
    return st;
}

/* ensure_negotiated - negotiate with Postfix's offer if not done yet */
static void
ensure_negotiated(struct driver *d)
{
    if (!d->negotiated)
        driver_negotiate(d, DRIVER_OFFER_ACTIONS, DRIVER_OFFER_PROTOCOL);
}

/* prepare - what the MTA does before sending stage st with arguments ev:
 * a new message at envfrom, and the stage's default macros (the client
 * at connect, the queue id and sender at envfrom, the recipient at
 * envrcpt), set even when the policy skips the stage */
static void
prepare(struct driver *d, enum stage st, const struct event *ev,
        const char *queue_id)
{
    const char *arg = ev->argc > 0 && ev->argv[0].kind == EV_STR
                          ? ev->argv[0].s : NULL;
    char qid[32];

    if (st == ST_CONNECT) {
        envelope_client_macros(d->rec, arg, ev->argc > 2 &&
                               (ev->argv[2].kind == EV_ADDR ||
                                ev->argv[2].kind == EV_ADDR6)
                                   ? ev->argv[2].s : NULL);
    } else if (st == ST_ENVFROM) {
        d->messages++;
        d->in_message = 1;
        if (queue_id == NULL) {
            snprintf(qid, sizeof qid, "REPLAY%05u", d->messages);
            queue_id = qid;
        }
        envelope_sender_macros(d->rec, queue_id, arg);
    } else if (st == ST_ENVRCPT) {
        envelope_rcpt_macros(d->rec, arg);
    }
}

/* run - one callback (negotiating first if not done, except for close);
 * the conn is freed after close */
static struct ran
run(struct driver *d, enum stage st, const struct event *ev)
{
    struct ran r;

    if (st != ST_CLOSE)
        ensure_negotiated(d);
    r.first = record_count(d->rec);
    if (st == ST_CLOSE) {
        session_close(d->c);
        d->c = NULL;
        d->closed = 1;
        r.status = SMFIS_CONTINUE;
    } else {
        r.status = session_stage(d->c, st, ev);
    }
    if (st == ST_CONNECT || st == ST_HELO)
        d->connected = 1;
    if (st == ST_EOM || st == ST_ABORT)
        d->in_message = 0;
    return r;
}

/* event_text - the argument a reader is shown for a call: its first
 * string (not a body chunk's bytes) */
static const char *
event_text(enum stage st, const struct event *ev, size_t *len)
{
    if (st == ST_BODY || ev->argc < 1 || ev->argv[0].kind != EV_STR)
        return NULL;
    *len = ev->argv[0].len;
    return ev->argv[0].s;
}

/* driver_stage - one callback as the caller asks for it (negotiating
 * first if needed), with its default macros, reported and its actions
 * then forgotten; the status */
int
driver_stage(struct driver *d, enum stage st, const struct event *ev)
{
    const char *arg;
    size_t len = 0;
    struct ran r;

    if (d->closed)
        return SMFIS_CONTINUE;
    arg = event_text(st, ev, &len);
    prepare(d, st, ev, NULL);
    r = run(d, st, ev);
    tell(d, 0, st, arg, len, r.status, r.first, 1);
    if (d->rec != NULL)
        record_clear(d->rec);
    return r.status;
}

/* decisive - whether a status ends the message (or connection) */
static int
decisive(int status)
{
    return status == SMFIS_REJECT || status == SMFIS_TEMPFAIL ||
           status == SMFIS_DISCARD || status == SMFIS_ACCEPT;
}

/* one transaction in progress */
struct txn {
    struct driver *d;
    const struct driver_env *env;
    struct envelope ev;         /* sender, recipients */
    char **accepted;            /* recipients accepted (pointers into ev) */
    size_t naccepted;
    int status;                 /* the deciding one */
    int no_rcpts;
    int quarantined;
    int skipped;                /* not run: no recipient (need_rcpts) */
    char host[160];             /* connect's hostname, when made up */
};

/* user_macros - the caller's macros for stage (SMFIM_*, -1: for all) */
static void
user_macros(struct txn *t, int stage)
{
    size_t i;

    for (i = 0; i < t->env->nmacros; i++)
        if (t->env->macros[i].stage == stage)
            record_set_macro(t->d->rec, t->env->macros[i].name,
                             t->env->macros[i].value);
}

/* wanted - whether the policy asked for stage st (its SMFIP_NO* is not
 * set); a stage it did not want is reported skipped */
static int
wanted(struct txn *t, enum stage st)
{
    if ((t->d->protocol & stage_info(st)->no_bit) == 0)
        return 1;
    skipped(t->d, st);
    return 0;
}

/* arrive - stage st's macros (the defaults, then the caller's), and
 * whether the policy wants the stage */
static int
arrive(struct txn *t, enum stage st, const struct event *ev)
{
    prepare(t->d, st, ev, t->env->queue_id);
    if (stage_info(st)->symlist_stage >= 0)
        user_macros(t, stage_info(st)->symlist_stage);
    return wanted(t, st);
}

/* step - stage st with ev as a transaction runs it: its macros, then the
 * callback (unless skipped), reported; whether the transaction goes on (a
 * decisive status ends it) */
static int
step(struct txn *t, enum stage st, const struct event *ev)
{
    const char *arg;
    size_t len = 0, i;
    struct ran r;

    if (!arrive(t, st, ev))
        return 1;
    arg = event_text(st, ev, &len);
    r = run(t->d, st, ev);
    tell(t->d, 0, st, arg, len, r.status, r.first, 1);
    for (i = r.first; st == ST_EOM && i < record_count(t->d->rec); i++)
        if (strcmp(record_get(t->d->rec, i)->op, "quarantine") == 0)
            t->quarantined = 1;
    record_clear(t->d->rec);
    t->status = r.status;
    return !decisive(r.status);
}

/* open_connection - connect (with the event made by driver_message) and
 * helo, unless the connection is open; whether to go on */
static int
open_connection(struct txn *t, const struct event *conn)
{
    struct event ev;

    if (t->d->connected)
        return 1;
    t->d->connected = 1;
    if (!step(t, ST_CONNECT, conn))
        return 0;
    event_str(&ev, t->env->helo != NULL ? t->env->helo : "localhost");
    return step(t, ST_HELO, &ev);
}

/* recipients - each envrcpt; whether any was accepted */
static int
recipients(struct txn *t)
{
    size_t i;
    int tempfails = 0, asked = (t->d->protocol & SMFIP_NORCPT) == 0;
    struct event ev;
    char *argv[2];

    for (i = 0; i < t->ev.nrcpts; i++) {
        argv[0] = t->ev.rcpts[i];
        argv[1] = NULL;
        event_argv(&ev, argv);
        if (asked) {
            step(t, ST_ENVRCPT, &ev);
            if (t->status == SMFIS_DISCARD)
                return 0;
            if (t->status == SMFIS_TEMPFAIL)
                tempfails++;
            if (t->status == SMFIS_TEMPFAIL || t->status == SMFIS_REJECT)
                continue;
        } else {
            prepare(t->d, ST_ENVRCPT, &ev, NULL);
            user_macros(t, SMFIM_ENVRCPT);
        }
        t->accepted[t->naccepted++] = t->ev.rcpts[i];
    }
    if (!asked)
        skipped(t->d, ST_ENVRCPT);
    if (t->naccepted > 0)
        return 1;
    t->status = tempfails > 0 ? SMFIS_TEMPFAIL : SMFIS_REJECT;
    t->no_rcpts = t->ev.nrcpts == 0;
    return 0;
}

/* headers - each header, then a summary line; whether to go on */
static int
headers(struct txn *t, const struct message *m)
{
    struct driver *d = t->d;
    struct event ev;
    char text[64];
    struct ran r;
    size_t i;

    for (i = 0; i < m->nhdrs; i++) {
        const char *v = m->hdrs[i].value;
        if ((d->protocol & SMFIP_HDR_LEADSPC) == 0 && *v == ' ')
            v++;
        event_header(&ev, m->hdrs[i].name, v);
        r = run(d, ST_HEADER, &ev);
        tell(d, 0, ST_HEADER, m->hdrs[i].name, strlen(m->hdrs[i].name),
             r.status, r.first, 1);
        if (decisive(r.status)) {
            t->status = r.status;
            record_clear(d->rec);
            return 0;
        }
    }
    snprintf(text, sizeof text, "%zu headers", m->nhdrs);
    tell(d, 1, ST_HEADER, text, strlen(text),
         (d->protocol & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE,
         record_count(d->rec), 1);
    record_clear(d->rec);
    return 1;
}

/* body - the body in chunks until the policy says SKIP or decides, then
 * a summary line; whether to go on */
static int
body(struct txn *t, const struct message *m)
{
    struct driver *d = t->d;
    size_t off = 0, chunks = 0, first = record_count(d->rec);
    int st = (d->protocol & SMFIP_NR_BODY) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
    struct event ev;
    char text[96];
    struct ran r;

    while (off < m->bodylen) {
        size_t n = m->bodylen - off > DRIVER_CHUNK ? DRIVER_CHUNK
                                                   : m->bodylen - off;
        event_bytes(&ev, m->body + off, n);
        r = run(d, ST_BODY, &ev);
        tell(d, 0, ST_BODY, NULL, 0, r.status, r.first, 0);
        st = r.status;
        off += n;
        chunks++;
        if (st != SMFIS_CONTINUE && st != SMFIS_NOREPLY)
            break;
    }
    snprintf(text, sizeof text, "%zu bytes in %zu chunk%s", off, chunks,
             chunks == 1 ? "" : "s");
    tell(d, 1, ST_BODY, text, strlen(text), st, first, 1);
    record_clear(d->rec);
    t->status = st;
    return !decisive(st);
}

/* message_stages - envfrom to eom; whether eom was reached */
static int
message_stages(struct txn *t, const struct message *m)
{
    struct event ev;
    char *argv[2];

    argv[0] = t->ev.from;
    argv[1] = NULL;
    event_argv(&ev, argv);
    if (!step(t, ST_ENVFROM, &ev) || !recipients(t))
        return 0;
    event_none(&ev);
    if (!step(t, ST_DATA, &ev))
        return 0;
    if (wanted(t, ST_HEADER) && !headers(t, m))
        return 0;
    if (!step(t, ST_EOH, &ev))
        return 0;
    if (wanted(t, ST_BODY) && !body(t, m))
        return 0;
    step(t, ST_EOM, &ev);
    return 1;
}

/* driver_result_word - what became of a message its deciding status
 * ended: delivered (quarantined, if asked), discarded, rejected,
 * tempfailed */
const char *
driver_result_word(int status, int quarantined)
{
    switch (status) {
    case SMFIS_REJECT: return "rejected";
    case SMFIS_TEMPFAIL: return "tempfailed";
    case SMFIS_DISCARD: return "discarded";
    default: return quarantined ? "quarantined" : "delivered";
    }
}

/* finish - tell the observer how the transaction ended */
static void
finish(struct txn *t)
{
    struct driver_result r;

    r.status = t->status;
    r.verdict = verdict_word(t->status);
    r.result = driver_result_word(t->status, t->quarantined);
    r.reply = t->d->reply;
    r.no_rcpts = t->no_rcpts;
    r.skipped = t->skipped;
    r.rcpts = t->accepted;
    r.nrcpts = t->naccepted;
    if (t->d->obs != NULL && t->d->obs->result != NULL)
        t->d->obs->result(t->d->ud, &r);
}

/* driver_message - one SMTP transaction of message m as an MTA runs it:
 * negotiate, connect and helo unless done, then envfrom, each envrcpt,
 * data, the headers, eoh, the body, eom, stopping where an MTA stops
 * (abort when the message ends early); the deciding status, or -1 and
 * why (a bad client address, out of memory, the connection closed) */
int
driver_message(struct driver *d, const struct message *m,
               const struct driver_env *env, char *err, size_t errlen)
{
    static const struct driver_env none;
    struct txn t;
    struct event ev, conn;

    if (d->closed) {
        snprintf(err, errlen, "the connection is closed");
        return -1;
    }
    memset(&t, 0, sizeof t);
    t.d = d;
    t.env = env != NULL ? env : &none;
    t.status = SMFIS_CONTINUE;
    if (!d->connected &&
        envelope_connect_event(&conn, t.env, t.host, sizeof t.host, err,
                               errlen) < 0)
        return -1;
    d->reply[0] = '\0';
    if (envelope_take(&t.ev, m, t.env->from, t.env->rcpts, t.env->nrcpts,
                      d->obs != NULL ? d->obs->note : NULL, d->ud) < 0 ||
        (t.accepted = calloc(t.ev.nrcpts + 1, sizeof *t.accepted)) == NULL) {
        envelope_free(&t.ev);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (d->obs != NULL && d->obs->envelope != NULL)
        d->obs->envelope(d->ud, t.ev.from, t.ev.rcpts, t.ev.nrcpts);
    user_macros(&t, -1);
    if (t.env->need_rcpts && t.ev.nrcpts == 0) {
        t.skipped = t.no_rcpts = 1;
    } else if (!d->negotiated) {
        driver_negotiate(d, DRIVER_OFFER_ACTIONS, DRIVER_OFFER_PROTOCOL);
    }
    if (t.skipped) {
        /* nothing runs */
    } else if (d->refused) {
        t.status = SMFIS_TEMPFAIL;      /* the MTA's default for a milter
                                         * that refused it */
    } else if (open_connection(&t, &conn) && !message_stages(&t, m) &&
               d->in_message) {
        event_none(&ev);
        driver_stage(d, ST_ABORT, &ev);
    }
    finish(&t);
    free(t.accepted);
    envelope_free(&t.ev);
    return t.status;
}
