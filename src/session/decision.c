/*
 * decision.c - the per-connection observer of decision records (see
 * decision.h).
 */
#include "decision.h"
#include "notes.h"
#include "conn.h"
#include "engine.h"
#include "json.h"
#include "metrics.h"
#include "recordlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* strings kept short once a record holds this many times its size */
#define DECISION_HELD_FACTOR 2
#define DECISION_SHORT 256

/* decision_stage_word - a stage's name in records ("helo", as replay) */
const char *
decision_stage_word(enum stage st)
{
    return st == ST_HELO ? "helo" : stage_name(st);
}

/* decision_keep - a copy of s (n bytes) for the record, bounded: at most
 * the record's size, DECISION_SHORT once the record holds plenty; a cut
 * copy ends in "...[N bytes cut]" (cut at a UTF-8 character's start).
 * NULL when out of memory. */
char *
decision_keep(struct decision *d, const char *s, size_t n)
{
    size_t keep = d->held > d->max * DECISION_HELD_FACTOR ? DECISION_SHORT
                                                          : d->max;
    size_t cut = n > keep ? keep : n;
    char *copy;

    while (cut < n && cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    copy = malloc(cut + 48);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, cut);
    copy[cut] = '\0';
    if (cut < n)
        snprintf(copy + cut, 48, "...[%zu bytes cut]", n - cut);
    d->held += cut;
    return copy;
}

/* keep_c - decision_keep of a C string (NULL stays NULL) */
static char *
keep_c(struct decision *d, const char *s)
{
    return s != NULL ? decision_keep(d, s, strlen(s)) : NULL;
}

/* emit - a finished record to its reader */
static void
emit(struct decision *d)
{
    struct json j;

    d->records++;
    if (d->emit != NULL) {
        d->emit(d->ud, d);
        return;
    }
    if (!recordlog_enabled())
        return;
    json_init(&j, JSON_UTF8, d->max);   /* a try stops at the bound */
    if (decision_render(d, &j) < 0)     /* no memory: counted too */
        metrics_count_decision_dropped();
    else
        recordlog_write(j.buf, j.len);  /* a drop is counted there */
    json_free(&j);
}

/* reset - forget the record's own parts (the connection's stay) */
static void
reset(struct decision *d)
{
    size_t i;

    free(d->from);
    for (i = 0; i < d->nrcpts; i++) {
        free(d->rcpts[i].addr);
        free(d->rcpts[i].reply);
    }
    free(d->rcpts);
    for (i = 0; i < d->nactions; i++) {
        free(d->actions[i].v1);
        free(d->actions[i].v2);
    }
    free(d->actions);
    for (i = 0; i < d->nerrors; i++)
        free(d->errors[i]);
    free(d->reply);
    d->from = d->reply = NULL;
    d->rcpts = NULL;
    d->actions = NULL;
    d->nrcpts = d->rcpts_given = d->nactions = d->actions_given = 0;
    d->nerrors = d->errors_given = 0;
    d->rcpts_ok = d->rcpts_refused = d->rcpts_tempfailed = 0;
    d->result = NULL;
    d->stage = ST_NONE;
    d->message = 0;
    d->qid[0] = '\0';
    d->ms = 0;
    memset(d->stages_ms, 0, sizeof d->stages_ms);
    d->held = 0;
}

/* finish - the record is complete: out it goes, then a fresh one */
static void
finish(struct decision *d)
{
    emit(d);
    reset(d);
    d->open = 0;
}

/* decision_attach - give c decision records of at most max bytes, going
 * to emit (NULL: the record log); its backend is wrapped so the policy's
 * modifications are seen.  0, or -1 when out of memory (no records). */
int
decision_attach(struct conn *c, size_t max, decision_emit_fn fn, void *ud)
{
    struct decision *d;

    if (c->lc.mta.ops == NULL || c->decision != NULL)
        return -1;
    d = calloc(1, sizeof *d);
    if (d == NULL)
        return -1;
    d->c = c;
    d->emit = fn;
    d->ud = ud;
    d->max = max;
    d->client_port = -1;
    d->stage = d->last_stage = ST_NONE;
    decision_wrap_mta(d, &c->lc.mta);
    c->decision = d;
    return 0;
}

static void end_session(struct conn *c);

/* set_client - connect's arguments: name, family, address, port */
static void
set_client(struct decision *d, const struct event *ev)
{
    const struct ev_arg *a;

    if (ev == NULL || ev->argc < 3)
        return;
    free(d->client_name);
    free(d->client_family);
    free(d->client_addr);
    d->client_name = keep_c(d, ev->argv[0].s);
    d->client_family = keep_c(d, ev->argv[1].s);
    a = &ev->argv[2];
    d->client_addr = a->s != NULL ? decision_keep(d, a->s, a->kind == EV_STR
                                                            ? a->len
                                                            : strlen(a->s))
                                  : NULL;
    d->client_port = a->kind == EV_ADDR || a->kind == EV_ADDR6 ? a->i : -1;
}

/* decision_stage_start - a stage begins: connect names the client, helo
 * the HELO name, envfrom opens a message (its notes start empty) */
void
decision_stage_start(struct conn *c, enum stage st, const struct event *ev)
{
    struct decision *d = c->decision;

    if (d == NULL)
        return;
    if (st != ST_ABORT && st != ST_CLOSE)
        d->last_stage = st;
    if (st == ST_CONNECT) {
        if (d->session) {       /* an SMTP session before, on this milter */
            end_session(c);     /* connection (after QUIT_NC) */
            notes_session_begin(&c->lc);
        }
        d->session = 1;
        set_client(d, ev);
    } else if (st == ST_HELO && ev != NULL && ev->argc > 0 &&
               ev->argv[0].s != NULL) {
        d->session = 1;
        free(d->helo);
        d->helo = keep_c(d, ev->argv[0].s);
    } else if (st == ST_ENVFROM) {
        if (d->open)            /* no eom nor abort came: it is gone */
            decision_message_gone(c);
        d->session = 1;
        d->open = d->message = 1;
        d->messages++;
        free(d->from);
        d->from = ev != NULL && ev->argc > 0 ? keep_c(d, ev->argv[0].s)
                                             : NULL;
    }
}

/* decision_policy_call - the policy ran seconds at st; error: what it
 * raised (its first line is kept), or NULL */
void
decision_policy_call(struct conn *c, enum stage st, double seconds,
                     const char *error)
{
    struct decision *d = c->decision;

    if (d == NULL)
        return;
    d->ms += seconds * 1000;
    if (st >= 0 && st < ST_COUNT)
        d->stages_ms[st] += seconds * 1000;
    if (error == NULL)
        return;
    d->errors_given++;
    if (d->nerrors < DECISION_ERRORS_MAX) {
        size_t n = strcspn(error, "\n");
        char *e = decision_keep(d, error, n);
        if (e != NULL)
            d->errors[d->nerrors++] = e;
    }
}

/* decision_stage_end - a stage ends: the queue id, once the MTA gave it */
void
decision_stage_end(struct conn *c, enum stage st)
{
    struct decision *d = c->decision;
    const char *qid;

    if (d == NULL || !d->open || d->qid[0] != '\0' || st < ST_ENVFROM ||
        st > ST_ABORT)
        return;
    qid = lconn_queue_id(&c->lc);
    if (qid != NULL)
        strncpy(d->qid, qid, sizeof d->qid - 1);
}

/* decision_rcpt - a recipient and what the policy said to it */
void
decision_rcpt(struct conn *c, const char *addr, const char *result,
              const char *reply)
{
    struct decision *d = c->decision;
    struct decision_rcpt *r;

    if (d == NULL)
        return;
    if (strcmp(result, "accepted") == 0)
        d->rcpts_ok++;
    else if (strcmp(result, "tempfailed") == 0)
        d->rcpts_refused++, d->rcpts_tempfailed++;
    else if (strcmp(result, "rejected") == 0)
        d->rcpts_refused++;
    d->rcpts_given++;
    if (d->nrcpts >= DECISION_ITEMS_MAX)
        return;
    if ((d->nrcpts & 15) == 0) {
        r = realloc(d->rcpts, (d->nrcpts + 16) * sizeof *r);
        if (r == NULL)
            return;
        d->rcpts = r;
    }
    r = &d->rcpts[d->nrcpts++];
    r->addr = keep_c(d, addr);
    r->result = result;
    r->reply = keep_c(d, reply);
}

/* decision_add_action - one modification the MTA took (decision_mta.c) */
void
decision_add_action(struct decision *d, const char *action, const char *k1,
                    const char *v1, const char *k2, const char *v2, long idx)
{
    struct decision_action *a;

    d->actions_given++;
    if (d->nactions >= DECISION_ITEMS_MAX)
        return;
    if ((d->nactions & 15) == 0) {
        a = realloc(d->actions, (d->nactions + 16) * sizeof *a);
        if (a == NULL)
            return;
        d->actions = a;
    }
    a = &d->actions[d->nactions++];
    a->action = action;
    a->k1 = k1;
    a->k2 = k2;
    a->v1 = keep_c(d, v1);
    a->v2 = keep_c(d, v2);
    a->idx = idx;
    a->length = 0;
}

/* decision_result - the message's result at st, with the reply the client
 * got (NULL: none, or the MTA's own) */
void
decision_result(struct conn *c, enum stage st, const char *result,
                const char *reply)
{
    struct decision *d = c->decision;

    if (d == NULL || !d->open)
        return;
    d->result = result;
    d->stage = st;
    free(d->reply);
    d->reply = keep_c(d, reply);
    finish(d);
}

/* decision_connection_result - connect or helo decided the connection
 * (kept for its record at close) */
void
decision_connection_result(struct conn *c, enum stage st, const char *result,
                           const char *reply)
{
    struct decision *d = c->decision;

    if (d == NULL || d->open)
        return;
    d->result = result;
    d->stage = st;
    free(d->reply);
    d->reply = keep_c(d, reply);
}

/* decision_message_gone - the MTA ended a message nothing decided (abort,
 * close, a new MAIL): rejected or tempfailed when the policy refused every
 * recipient, else aborted */
void
decision_message_gone(struct conn *c)
{
    struct decision *d = c->decision;
    const char *reply = NULL;

    if (d == NULL || !d->open)
        return;
    if (d->rcpts_refused > 0 && d->rcpts_ok == 0) {
        d->result = d->rcpts_tempfailed > 0 ? "tempfailed" : "rejected";
        d->stage = ST_ENVRCPT;
        if (d->nrcpts > 0)
            reply = d->rcpts[d->nrcpts - 1].reply;
        free(d->reply);
        d->reply = keep_c(d, reply);
    } else {
        d->result = "aborted";
        d->stage = d->last_stage;
    }
    finish(d);
}

/* end_session - an SMTP session ends: a message still open is gone; one
 * without any record (refused at connect, no MAIL) gets its own; a
 * session the MTA only negotiated (no connect, HELO or MAIL) gets none */
static void
end_session(struct conn *c)
{
    struct decision *d = c->decision;

    if (d->open)
        decision_message_gone(c);
    if (d->records == 0 && d->session) {
        d->message = 0;
        emit(d);
    }
    reset(d);
    free(d->helo);              /* the next session says its own */
    d->helo = NULL;
    d->records = 0;
    d->session = 0;
}

/* decision_close - the connection ends (end_session); then the observer
 * goes */
void
decision_close(struct conn *c)
{
    struct decision *d = c->decision;

    if (d == NULL)
        return;
    end_session(c);
    free(d->client_name);
    free(d->client_family);
    free(d->client_addr);
    free(d->helo);
    c->lc.mta = d->inner;
    c->decision = NULL;
    free(d);
}
