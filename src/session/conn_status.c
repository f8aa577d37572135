/*
 * conn_status.c - the open connections for /connections (conn_status.h).
 *
 * Strings are copied into the connection once (the client at connect, the
 * first HELO) and published with a release store of their flag; the
 * stage and its start are atomics; the queue id is copied as it stands
 * (a short buffer; a torn read shows a partial id at worst).
 */
#include "conn_status.h"
#include "conn.h"
#include "lconn.h"
#include "metrics.h"
#include "monotime.h"
#include "script.h"

#include <stdio.h>
#include <string.h>

/* conn_status_stage - c begins stage st now; envfrom counts a message */
void
conn_status_stage(struct conn *c, enum stage st)
{
    int64_t now_us = (int64_t)(mono_now() * 1e6);

    if (st == ST_CLOSE || st == ST_NEGOTIATE)
        return;
    if (st == ST_ENVFROM)
        __atomic_add_fetch(&c->live.messages, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c->live.since_us, now_us, __ATOMIC_RELAXED);
    __atomic_store_n(&c->live.stage, (int)st, __ATOMIC_RELEASE);
}

/* conn_status_helo - the client's first HELO name */
void
conn_status_helo(struct conn *c, const char *helo)
{
    if (helo == NULL || __atomic_load_n(&c->live.helo_set, __ATOMIC_RELAXED))
        return;
    snprintf(c->live.helo, sizeof c->live.helo, "%s", helo);
    __atomic_store_n(&c->live.helo_set, 1, __ATOMIC_RELEASE);
}

/* conn_status_client - c->client is written: show it */
void
conn_status_client(struct conn *c)
{
    if (__atomic_load_n(&c->live.client_set, __ATOMIC_RELAXED))
        return;
    snprintf(c->live.client, sizeof c->live.client, "%s", c->client);
    __atomic_store_n(&c->live.client_set, 1, __ATOMIC_RELEASE);
}

struct walk {
    metrics_conn_put put;
    void *ud;
    double now;
};

/* put_one - one watched state: a live connection's row */
static void
put_one(struct lconn *lc, void *ud)
{
    struct walk *w = ud;
    struct conn *c = (struct conn *)lc;     /* lc is its first member */
    struct metrics_conn_info ci;
    char qid[sizeof lc->qid];
    int st;

    if (lc->mode != MODULE_LIVE || lc->adopted)
        return;
    memset(&ci, 0, sizeof ci);
    ci.id = lc->id;
    if (__atomic_load_n(&c->live.client_set, __ATOMIC_ACQUIRE))
        ci.client = c->live.client;
    if (__atomic_load_n(&c->live.helo_set, __ATOMIC_ACQUIRE))
        ci.helo = c->live.helo;
    st = __atomic_load_n(&c->live.stage, __ATOMIC_ACQUIRE);
    if (st > ST_NONE) {
        ci.stage = stage_name((enum stage)st);
        ci.stage_seconds =
            w->now - (double)__atomic_load_n(&c->live.since_us,
                                             __ATOMIC_RELAXED) / 1e6;
    }
    ci.messages = __atomic_load_n(&c->live.messages, __ATOMIC_RELAXED);
    ci.script = lc->script != NULL ? lc->script->hash : NULL;
    memcpy(qid, lc->qid, sizeof qid);
    qid[sizeof qid - 1] = '\0';
    ci.qid = qid[0] != '\0' ? qid : NULL;
    w->put(&ci, w->ud);
}

/* conn_status_each - call put for every open connection of the MTA */
static void
conn_status_each(metrics_conn_put put, void *ud)
{
    struct walk w;

    w.put = put;
    w.ud = ud;
    w.now = mono_now();
    lstate_each_watched(put_one, &w);
}

/* conn_status_install - /connections from now on lists the connections */
void
conn_status_install(void)
{
    metrics_connections_provider = conn_status_each;
}
