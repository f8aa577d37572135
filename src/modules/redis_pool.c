/*
 * redis_pool.c - the pool of connections to the Redis server (see
 * redis_pool.h).
 */
#include "redis_pool.h"
#include "monotime.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct redis_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;       /* a context went idle or a slot opened */
    int refs;
    struct redis_target target;
    double timeout;
    size_t max_reply;
    int max_open;
    struct redis_hooks hooks;
    /* under lock: */
    struct redis_conn *idle;
    int nidle, open, peak_open;
    int down, probing;          /* failed connect; one caller retrying */
    double down_until;          /* on the hooks' clock */
    char down_why[200];
    unsigned long connects, connect_failures, dropped, fast_failures,
        wait_timeouts, failed_tries;
};

/* a log line made under the pool's lock, written after it is released */
struct pool_note {
    int level;                  /* -1: nothing to log */
    char line[512];
};

/* pool_note - compose the line to log (lock held) */
static void
pool_note(struct pool_note *n, int level, const char *fmt, ...)
{
    va_list ap;

    n->level = level;
    va_start(ap, fmt);
    vsnprintf(n->line, sizeof n->line, fmt, ap);
    va_end(ap);
}

/* pool_log - write a composed line, if any, to the daemon's logger (lock
 * not held: a slow logger must not stall every Redis caller) */
static void
pool_log(struct redis_pool *p, const struct pool_note *n)
{
    if (n->level >= 0 && p->hooks.log != NULL)
        p->hooks.log(n->level, n->line, p->hooks.ud);
}

/* pool_now - the clock of the down window */
static double
pool_now(struct redis_pool *p)
{
    return p->hooks.now != NULL ? p->hooks.now(p->hooks.ud) : mono_now();
}

/* redis_pool_new - a pool for rc's server (rc->url set); NULL when out of
 * memory.  Opens nothing yet: the first call connects. */
struct redis_pool *
redis_pool_new(const struct redis_config *rc, const struct redis_hooks *hooks)
{
    struct redis_pool *p = calloc(1, sizeof *p);
    pthread_condattr_t ca;

    if (p == NULL)
        return NULL;
    if (pthread_condattr_init(&ca) != 0) {
        free(p);
        return NULL;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        pthread_condattr_destroy(&ca);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->freed, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    pthread_condattr_destroy(&ca);
    p->refs = 1;
    p->target = rc->target;
    p->timeout = rc->timeout;
    p->max_reply = rc->max_reply;
    p->max_open = rc->connections;
    if (hooks != NULL)
        p->hooks = *hooks;
    return p;
}

/* redis_pool_hold - take one more reference */
void
redis_pool_hold(struct redis_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->refs++;
    pthread_mutex_unlock(&p->lock);
}

/* free_list - close a list of idle contexts (lock not held) */
static void
free_list(struct redis_conn *c)
{
    struct redis_conn *next;

    for (; c != NULL; c = next) {
        next = c->next;
        redis_wire_close(c);
        free(c);
    }
}

/* redis_pool_release - drop one reference; the last one closes the idle
 * contexts and frees the pool (none can be busy: each busy one is a
 * caller that holds a reference) */
void
redis_pool_release(struct redis_pool *p)
{
    int last;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    last = --p->refs == 0;
    pthread_mutex_unlock(&p->lock);
    if (!last)
        return;
    free_list(p->idle);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->lock);
    memset(&p->target, 0, sizeof p->target);    /* the password */
    free(p);
}

/* redis_pool_timeout - redis_timeout of this pool */
double
redis_pool_timeout(const struct redis_pool *p)
{
    return p->timeout;
}

/* redis_pool_label - the server, for messages (no password) */
const char *
redis_pool_label(const struct redis_pool *p)
{
    return p->target.label;
}

/* handshake_request - AUTH and SELECT as needed, else PING */
static int
handshake_request(const struct redis_target *t, struct redis_request *req)
{
    char db[16];
    const char *argv[3];
    size_t len[3];
    int n = 0;

    if (t->has_password) {
        argv[n] = "AUTH", len[n++] = 4;
        if (t->user[0] != '\0')
            argv[n] = t->user, len[n] = strlen(t->user), n++;
        argv[n] = t->password, len[n] = strlen(t->password), n++;
        if (redis_request_add(req, n, argv, len) < 0)
            return -1;
    }
    if (t->db != 0) {
        snprintf(db, sizeof db, "%d", t->db);
        argv[0] = "SELECT", len[0] = 6;
        argv[1] = db, len[1] = strlen(db);
        if (redis_request_add(req, 2, argv, len) < 0)
            return -1;
    }
    if (req->count == 0) {
        argv[0] = "PING", len[0] = 4;
        if (redis_request_add(req, 1, argv, len) < 0)
            return -1;
    }
    return 0;
}

/* handshake - authenticate and select the database on a new connection */
static int
handshake(struct redis_pool *p, struct redis_conn *c, double deadline,
          char *err, size_t errlen)
{
    static const char *const names[] = {"AUTH", "SELECT", "PING"};
    struct redis_request req;
    redisReply *replies[2] = {NULL, NULL};
    char why[160];
    int fail, i, which;

    redis_request_init(&req);
    if (handshake_request(&p->target, &req) < 0) {
        redis_request_free(&req);
        snprintf(err, errlen, "connection to %s: out of memory",
                 p->target.label);
        return REDIS_FAIL_CONNECTION;
    }
    fail = redis_wire_roundtrip(c, &req, deadline, p->max_reply, replies,
                                why, sizeof why);
    if (fail != REDIS_FAIL_NONE) {
        snprintf(err, errlen, fail == REDIS_FAIL_TIMEOUT ? "timeout "
                 "connecting to %s (no answer to the first command)"
                 : "connection to %s failed: %s", p->target.label, why);
        fail = fail == REDIS_FAIL_TIMEOUT ? fail : REDIS_FAIL_CONNECTION;
    }
    for (i = 0; fail == REDIS_FAIL_NONE && i < req.count; i++) {
        if (replies[i]->type != REDIS_REPLY_ERROR)
            continue;
        which = p->target.has_password && i == 0 ? 0
                : p->target.db != 0 ? 1 : 2;
        snprintf(err, errlen, "connection to %s refused: %s: %.*s",
                 p->target.label, names[which], (int)replies[i]->len,
                 replies[i]->str);
        fail = REDIS_FAIL_CONNECTION;
    }
    for (i = 0; i < 2; i++)
        if (replies[i] != NULL)
            freeReplyObject(replies[i]);
    redis_request_free(&req);
    return fail;
}

/* connect_new - open, set up and authenticate one context before the
 * deadline; REDIS_FAIL_* and err */
static int
connect_new(struct redis_pool *p, double deadline, struct redis_conn **out,
            char *err, size_t errlen)
{
    const struct redis_target *t = &p->target;
    double left = deadline - mono_now();
    struct timeval tv;
    redisContext *ctx;
    struct redis_conn *c;
    char why[160];
    int fail;

    if (left <= 0) {
        snprintf(err, errlen, "timeout connecting to %s", t->label);
        return REDIS_FAIL_TIMEOUT;
    }
    tv.tv_sec = (time_t)left;
    tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
    ctx = t->transport == REDIS_UNIX ? redisConnectUnixWithTimeout(t->path, tv)
                                     : redisConnectWithTimeout(t->host,
                                                               t->port, tv);
    if (ctx == NULL || ctx->err != 0) {
        int timed_out = ctx != NULL && strcmp(ctx->errstr,
                                              strerror(ETIMEDOUT)) == 0;

        snprintf(err, errlen, timed_out ? "timeout connecting to %s"
                 : "connection to %s failed: %s", t->label,
                 ctx != NULL ? ctx->errstr : "out of memory");
        if (ctx != NULL)
            redisFree(ctx);
        return timed_out ? REDIS_FAIL_TIMEOUT : REDIS_FAIL_CONNECTION;
    }
    c = malloc(sizeof *c);
    if (c == NULL || redis_wire_attach(c, ctx, p->timeout, why,
                                       sizeof why) < 0) {
        snprintf(err, errlen, "connection to %s failed: %s", t->label,
                 c != NULL ? why : "out of memory");
        free(c);
        redisFree(ctx);
        return REDIS_FAIL_CONNECTION;
    }
    fail = handshake(p, c, deadline, err, errlen);
    if (fail != REDIS_FAIL_NONE) {
        redis_wire_close(c);
        free(c);
        return fail;
    }
    *out = c;
    return REDIS_FAIL_NONE;
}

/* take_idle - detach the idle list (lock held) */
static struct redis_conn *
take_idle(struct redis_pool *p)
{
    struct redis_conn *list = p->idle;

    p->open -= p->nidle;
    p->dropped += (unsigned long)p->nidle;
    p->idle = NULL;
    p->nidle = 0;
    return list;
}

/* fail_fast - the message of a call refused while the server is down
 * (lock held) */
static int
fail_fast(struct redis_pool *p, double now, char *err, size_t errlen)
{
    p->fast_failures++;
    if (p->probing)
        snprintf(err, errlen, "connection to %s: reconnecting (%s)",
                 p->target.label, p->down_why);
    else
        snprintf(err, errlen, "connection to %s: down, next try in %.1f s "
                 "(%s)", p->target.label, p->down_until - now, p->down_why);
    return REDIS_FAIL_CONNECTION;
}

/* connect_done - account a connect attempt's result (lock held); returns
 * the idle contexts to close after a failure.  A timeout counts as the
 * server being down only when the attempt had at least half of
 * redis_timeout (shorter is the caller's budget, or its wait for a free
 * connection, not the server's fault). */
static struct redis_conn *
connect_done(struct redis_pool *p, int fail, const char *err, int full_time,
             struct pool_note *note)
{
    struct redis_conn *stale = NULL;
    int was_down = p->down;

    p->probing = 0;
    if (fail == REDIS_FAIL_NONE) {
        if (was_down)
            pool_note(note, REDIS_LOG_NOTICE, "redis: %s is back after %lu "
                      "failed connection attempt(s)", p->target.label,
                      p->failed_tries);
        p->down = 0;
        p->failed_tries = 0;
        if (p->open > p->peak_open)
            p->peak_open = p->open;
        return NULL;
    }
    p->open--;
    p->connect_failures++;
    if (fail == REDIS_FAIL_TIMEOUT && !full_time) {
        pthread_cond_broadcast(&p->freed);
        return NULL;
    }
    p->failed_tries++;
    p->down = 1;
    p->down_until = pool_now(p) + REDIS_DOWN_SECONDS;
    snprintf(p->down_why, sizeof p->down_why, "%s", err);
    stale = take_idle(p);
    if (!was_down)
        pool_note(note, REDIS_LOG_WARN, "redis: %s; calls needing a new "
                  "connection fail at once, one retry a second", err);
    pthread_cond_broadcast(&p->freed);
    return stale;
}

/* wait_free - wait for a context or a slot until the deadline (lock held);
 * -1 when it passed */
static int
wait_free(struct redis_pool *p, double deadline)
{
    struct timespec ts;
    double whole;

    if (deadline - mono_now() <= 0)
        return -1;
    ts.tv_nsec = (long)(modf(deadline, &whole) * 1e9);
    ts.tv_sec = (time_t)whole;
    if (pthread_cond_timedwait(&p->freed, &p->lock, &ts) == ETIMEDOUT)
        return deadline - mono_now() <= 0 ? -1 : 0;
    return 0;
}

/* pool_event - tell the daemon's metrics of ev */
static void
pool_event(struct redis_pool *p, int ev)
{
    if (p->hooks.event != NULL)
        p->hooks.event(ev, p->hooks.ud);
}

/* redis_pool_get - a connected context for one call, before the deadline
 * (CLOCK_MONOTONIC seconds): an idle one, a new one while under
 * redis_connections, else the first freed; REDIS_FAIL_* and err */
int
redis_pool_get(struct redis_pool *p, double deadline, struct redis_conn **out,
               char *err, size_t errlen)
{
    struct pool_note note = {-1, ""};
    struct redis_conn *c, *stale;
    double now;
    int fail, full_time, waited = 0;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->idle != NULL) {
            c = p->idle;
            p->idle = c->next;
            p->nidle--;
            pthread_mutex_unlock(&p->lock);
            c->next = NULL;
            *out = c;
            return REDIS_FAIL_NONE;
        }
        if (p->open < p->max_open) {
            now = pool_now(p);
            if (p->down && (p->probing || now < p->down_until)) {
                fail = fail_fast(p, now, err, errlen);
                pthread_mutex_unlock(&p->lock);
                return fail;
            }
            p->probing = p->down;
            p->open++;
            p->connects++;
            pthread_mutex_unlock(&p->lock);
            full_time = deadline - mono_now() >= p->timeout * 0.5;
            fail = connect_new(p, deadline, out, err, errlen);
            pthread_mutex_lock(&p->lock);
            stale = connect_done(p, fail, err, full_time, &note);
            pthread_mutex_unlock(&p->lock);
            pool_event(p, fail == REDIS_FAIL_NONE ? REDIS_EVENT_CONNECT
                                                  : REDIS_EVENT_CONNECT_FAILED);
            pool_log(p, &note);
            free_list(stale);
            return fail;
        }
        if (!waited++)
            pool_event(p, REDIS_EVENT_WAIT);
        if (wait_free(p, deadline) < 0) {
            p->wait_timeouts++;
            pool_event(p, REDIS_EVENT_WAIT_TIMEOUT);
            snprintf(err, errlen, "timeout waiting for a free connection "
                     "to %s (all %d busy)", p->target.label, p->max_open);
            pthread_mutex_unlock(&p->lock);
            return REDIS_FAIL_TIMEOUT;
        }
    }
}

/* redis_pool_put - give a context back after a call that ended with
 * failed (REDIS_FAIL_*): kept for the next call only when it is clean; a
 * timeout or a broken connection drops the idle ones too */
void
redis_pool_put(struct redis_pool *p, struct redis_conn *c, int failed)
{
    struct pool_note note = {-1, ""};
    struct redis_conn *stale = NULL;

    pthread_mutex_lock(&p->lock);
    if (failed == REDIS_FAIL_NONE) {
        c->next = p->idle;
        p->idle = c;
        p->nidle++;
        c = NULL;
    } else {
        p->open--;
        p->dropped++;
        if (failed != REDIS_FAIL_TOO_LARGE)
            stale = take_idle(p);
        else
            pool_note(&note, REDIS_LOG_WARN, "redis: a reply from %s was "
                      "over redis_max_reply (%zu bytes); its connection was "
                      "dropped", p->target.label, p->max_reply);
    }
    pthread_cond_broadcast(&p->freed);
    pthread_mutex_unlock(&p->lock);
    pool_log(p, &note);
    if (c != NULL) {
        redis_wire_close(c);
        free(c);
    }
    free_list(stale);
}

/* redis_pool_roundtrip - one round trip on a context taken from p, within
 * its reply cap; a timeout or a connection failure names the server */
int
redis_pool_roundtrip(struct redis_pool *p, struct redis_conn *c,
                     const struct redis_request *req, double deadline,
                     redisReply **replies, char *err, size_t errlen)
{
    int fail = redis_wire_roundtrip(c, req, deadline, p->max_reply, replies,
                                    err, errlen);
    size_t n = strlen(err);

    if ((fail == REDIS_FAIL_TIMEOUT || fail == REDIS_FAIL_CONNECTION) &&
        n < errlen)
        snprintf(err + n, errlen - n, " (%s)", p->target.label);
    return fail;
}

/* redis_pool_run - one round trip: take a context, send req, read its
 * replies, give the context back; REDIS_FAIL_* and err */
int
redis_pool_run(struct redis_pool *p, const struct redis_request *req,
               double deadline, redisReply **replies, char *err,
               size_t errlen)
{
    struct redis_conn *c;
    int fail = redis_pool_get(p, deadline, &c, err, errlen);

    if (fail != REDIS_FAIL_NONE)
        return fail;
    fail = redis_pool_roundtrip(p, c, req, deadline, replies, err, errlen);
    redis_pool_put(p, c, fail);
    return fail;
}

/* redis_pool_stats - a snapshot of the counters */
void
redis_pool_stats(struct redis_pool *p, struct redis_pool_stats *st)
{
    pthread_mutex_lock(&p->lock);
    st->open = p->open;
    st->idle = p->nidle;
    st->peak_open = p->peak_open;
    st->down = p->down;
    st->connects = p->connects;
    st->connect_failures = p->connect_failures;
    st->dropped = p->dropped;
    st->fast_failures = p->fast_failures;
    st->wait_timeouts = p->wait_timeouts;
    pthread_mutex_unlock(&p->lock);
}
