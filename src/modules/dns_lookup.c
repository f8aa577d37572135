/*
 * dns_lookup.c - the lookups of one milter.dns call: prepared, sent at
 * once, waited for to one deadline, pushed as Lua values (see
 * dns_state.h).
 */
#include "dns.h"
#include "dns_conf.h"
#include "dns_metrics.h"
#include "dns_rdata.h"
#include "dns_resolver.h"
#include "dns_state.h"
#include "dns_stub.h"
#include "monotime.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <string.h>
#include <unbound.h>

/* dns_state_of - the state userdata at idx */
struct dns_state *
dns_state_of(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, DNS_STATE);
}

/* dns_job_fail - j will not be sent: err says why */
void
dns_job_fail(struct dns_job *j, const char *err)
{
    j->err = err;
    j->detail[0] = '\0';
}

/* dns_job_prepare - j asks for name (len bytes) of qtype, or fails with
 * "badname" */
void
dns_job_prepare(struct dns_state *st, struct dns_job *j, const char *name,
                size_t len, int qtype)
{
    (void)st;
    memset(j, 0, sizeof *j);
    j->qtype = qtype;
    if (dns_name_check(name, len, j->name) < 0) {
        dns_job_fail(j, "badname");
        snprintf(j->detail, sizeof j->detail, "'%.*s' is not a name that can "
                 "be looked up", len > 64 ? 64 : (int)len, name);
    }
}

/* dns_call_deadline - when this call's waits must end: dns_timeout from
 * now, and DNS_BUDGET_MARGIN before the callback's budget ends; "budget"
 * when nothing is left of it */
const char *
dns_call_deadline(lua_State *L, struct dns_state *st, double *deadline)
{
    double now = mono_now(), limit = st->conf->timeout;
    double left = dns_remaining != NULL ? dns_remaining(L) : -1;

    if (left >= 0) {
        left -= DNS_BUDGET_MARGIN;
        if (left <= 0)
            return "budget";
        if (left < limit)
            limit = left;
    }
    *deadline = now + limit;
    return NULL;
}

/* hold - put q on the state's list of records it holds */
static void
hold(struct dns_state *st, struct dns_query *q)
{
    q->oprev = NULL;
    q->onext = st->held;
    if (st->held != NULL)
        st->held->oprev = q;
    st->held = q;
}

/* unhold - take q off that list */
static void
unhold(struct dns_state *st, struct dns_query *q)
{
    if (q->oprev != NULL)
        q->oprev->onext = q->onext;
    else if (st->held == q)
        st->held = q->onext;
    if (q->onext != NULL)
        q->onext->oprev = q->oprev;
    q->onext = q->oprev = NULL;
}

/* send_live - send j to the state's resolver (taken at the first query) */
static void
send_live(struct dns_state *st, struct dns_job *j)
{
    char err[256];

    if (st->res == NULL) {
        st->res = dns_resolver_current(st->conf, err, sizeof err);
        if (st->res == NULL) {
            dns_job_fail(j, "error");
            snprintf(j->detail, sizeof j->detail, "no resolver: %s", err);
            return;
        }
    }
    if (!st->cond_ok) {
        dns_job_fail(j, "error");
        snprintf(j->detail, sizeof j->detail, "no condition variable");
        return;
    }
    j->q = dns_query_send(st->res, j->name, j->qtype, &st->cond, err,
                          sizeof err);
    if (j->q == NULL) {
        dns_job_fail(j, "error");
        snprintf(j->detail, sizeof j->detail, "%s", err);
        return;
    }
    hold(st, j->q);
}

/* dns_jobs_send - send every prepared job; past dns_max_queries for the
 * connection a job fails with "limit" (nothing is sent for it) */
void
dns_jobs_send(lua_State *L, struct dns_state *st, struct dns_job *jobs,
              int n)
{
    int i;

    (void)L;
    for (i = 0; i < n; i++) {
        struct dns_job *j = &jobs[i];
        if (j->err != NULL)
            continue;
        if (st->closed) {
            dns_job_fail(j, "cancelled");
            continue;
        }
        if (st->sent >= st->conf->max_queries) {
            dns_job_fail(j, "limit");
            snprintf(j->detail, sizeof j->detail, "this connection sent its "
                     "%d queries (dns_max_queries)", st->conf->max_queries);
            continue;
        }
        st->sent++;
        if (st->live)
            send_live(st, j);
        else
            j->sent = 1;
    }
}

/* dns_jobs_wait - wait for the live jobs' answers until deadline; those
 * still unanswered then are cancelled (they will say "timeout") */
void
dns_jobs_wait(struct dns_state *st, struct dns_job *jobs, int n,
              double deadline)
{
    struct dns_query *qs[64];
    int i, k = 0;

    if (!st->live)
        return;
    for (i = 0; i < n; i++) {
        if (jobs[i].q == NULL)
            continue;
        qs[k++] = jobs[i].q;
        if (k == (int)(sizeof qs / sizeof qs[0])) {
            dns_query_wait(qs, k, deadline, k);
            k = 0;
        }
    }
    if (k > 0)
        dns_query_wait(qs, k, deadline, k);
    for (i = 0; i < n; i++)
        if (jobs[i].q != NULL && !dns_query_done(jobs[i].q))
            dns_query_cancel(jobs[i].q);
}

/* dns_job_pending - whether j has a record still waiting for its answer */
int
dns_job_pending(struct dns_job *j)
{
    return j->q != NULL && !j->q->cancelled && !dns_query_done(j->q);
}

/* dns_jobs_wait_one - wait until one of the pending jobs settles (the
 * first 64 of them are watched), or deadline */
void
dns_jobs_wait_one(struct dns_job *const *jobs, int n, double deadline)
{
    struct dns_query *qs[64];
    int i, k = 0;

    for (i = 0; i < n && k < (int)(sizeof qs / sizeof qs[0]); i++)
        qs[k++] = jobs[i]->q;
    dns_query_wait(qs, k, deadline, 1);
}

/* rcode_word - the error word of a DNS rcode */
static const char *
rcode_word(int rcode)
{
    switch (rcode) {
    case 1: return "formerr";
    case 2: return "servfail";
    case 4: return "notimp";
    case 5: return "refused";
    default: return "rcode";
    }
}

/* push_error - nil, err, detail */
static int
push_error(lua_State *L, const char *err, const char *detail)
{
    lua_pushnil(L);
    lua_pushstring(L, err);
    lua_pushstring(L, detail);
    return 3;
}

/* push_live - the answer of a live job's record; *word says what it was
 * (the error word, "ok", "nodata" or "nxdomain"), *took how long (-1:
 * cancelled) */
static int
push_live(lua_State *L, struct dns_state *st, struct dns_job *j,
          const char **word, double *took)
{
    struct dns_query *q = j->q;
    const struct ub_result *res;
    char detail[256];

    *took = -1;
    if (!dns_query_done(q)) {
        if (q->aborted || st->closed)
            return push_error(L, *word = "cancelled", "the lookup was "
                              "cancelled (the message or connection ended)");
        *took = mono_now() - q->sent_at;
        snprintf(detail, sizeof detail, "no answer for %s/%s from %s in time",
                 j->name, dns_type_name(j->qtype),
                 dns_resolver_servers(st->res));
        return push_error(L, *word = "timeout", detail);
    }
    *took = q->answered_at - q->sent_at;
    if (q->err != 0 || q->result == NULL) {
        snprintf(detail, sizeof detail, "%s/%s: %s", j->name,
                 dns_type_name(j->qtype), ub_strerror(q->err));
        *word = q->err == UB_SERVFAIL ? "servfail" : "error";
        return push_error(L, *word, detail);
    }
    res = q->result;
    if (res->bogus) {
        snprintf(detail, sizeof detail, "%s/%s: %s", j->name,
                 dns_type_name(j->qtype),
                 res->why_bogus != NULL ? res->why_bogus : "DNSSEC bogus");
        return push_error(L, *word = "bogus", detail);
    }
    if (res->rcode != 0 && res->rcode != 3) {
        snprintf(detail, sizeof detail, "%s/%s: rcode %d", j->name,
                 dns_type_name(j->qtype), res->rcode);
        return push_error(L, *word = rcode_word(res->rcode), detail);
    }
    *word = res->rcode == 3 || res->nxdomain ? "nxdomain"
          : !res->havedata ? "nodata" : "ok";
    dns_rdata_push(L, res, j->qtype);
    return 1;
}

/* dns_job_push - j's result: a records table (1 value) or nil, err,
 * detail (3 values); a live connection's lookup counts in the metrics */
int
dns_job_push(lua_State *L, struct dns_state *st, struct dns_job *j)
{
    const char *word;
    double took = -1;
    int n;

    if (j->err != NULL) {
        word = j->err;
        n = push_error(L, j->err, j->detail[0] != '\0' ? j->detail : j->err);
    } else if (j->q != NULL) {
        n = push_live(L, st, j, &word, &took);
    } else if (j->sent) {
        return dns_stub_push(L, j->name, j->qtype);
    } else {
        word = "error";
        n = push_error(L, "error", "the lookup was not sent");
    }
    if (st->mode == MODULE_LIVE)
        dns_metrics_count(j->qtype, word, took);
    return n;
}

/* dns_job_release - the state is done with j's record */
void
dns_job_release(struct dns_state *st, struct dns_job *j)
{
    if (j->q == NULL)
        return;
    unhold(st, j->q);
    dns_query_release(j->q);
    j->q = NULL;
}

/* dns_state_cancel_all - cancel every unanswered record the state holds
 * (abort), their jobs then say "cancelled"; with release, also let go of
 * every record (the state is being closed) */
void
dns_state_cancel_all(struct dns_state *st, int release)
{
    struct dns_query *q, *next;

    for (q = st->held; q != NULL; q = next) {
        next = q->onext;
        if (!dns_query_done(q)) {
            q->aborted = 1;
            dns_query_cancel(q);
        }
        if (release) {
            unhold(st, q);
            dns_query_release(q);
        }
    }
}

/* dns_state_keep_held - the records the state holds now were sent before
 * the message (connect, helo): dns_state_cancel_message leaves them */
void
dns_state_keep_held(struct dns_state *st)
{
    struct dns_query *q;

    for (q = st->held; q != NULL; q = q->onext)
        q->kept = 1;
}

/* dns_state_cancel_message - abort: cancel the unanswered records sent
 * for the message (every record not kept); their jobs say "cancelled" */
void
dns_state_cancel_message(struct dns_state *st)
{
    struct dns_query *q;

    for (q = st->held; q != NULL; q = q->onext) {
        if (!q->kept && !dns_query_done(q)) {
            q->aborted = 1;
            dns_query_cancel(q);
        }
    }
}
