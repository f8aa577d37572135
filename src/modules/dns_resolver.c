/*
 * dns_resolver.c - the shared libunbound context, its pump thread and the
 * query records (see dns_resolver.h).
 */
#include "dns_resolver.h"
#include "dns_conf.h"
#include "log.h"
#include "monotime.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound.h>
#include <unistd.h>

struct dns_resolver {
    int refs;                       /* atomic */
    struct ub_ctx *ctx;
    pthread_mutex_t lock;           /* the records' state, the waiters */
    pthread_t pump;
    int wake[2];                    /* a byte on wake[1] stops the pump */
    int bg_started;                 /* libunbound's worker exists (atomic) */
    struct dns_query *queries;      /* every record not yet freed */
    char *servers;                  /* as configured, NULL: resolv.conf */
    size_t cache;
};

/* libunbound's built-in local zones (1.17: RFC 6303, 6761, 7686, 8375 and
 * the AS112 zones): removed, so that the configured servers answer them */
static const char *const builtin_zones[] = {
    "localhost.", "127.in-addr.arpa.", "home.arpa.", "onion.", "test.",
    "invalid.", "resolver.arpa.", "service.arpa.",
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
    "10.in-addr.arpa.", "168.192.in-addr.arpa.", "0.in-addr.arpa.",
    "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.",
    "100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
    "255.255.255.255.in-addr.arpa.", "d.f.ip6.arpa.", "8.e.f.ip6.arpa.",
    "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.",
    "8.b.d.0.1.0.0.2.ip6.arpa.", NULL
};

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dns_resolver *current;

/* ub_fail - a libunbound error into err; -1 */
static int
ub_fail(const char *what, int rc, char *err, size_t errlen)
{
    snprintf(err, errlen, "libunbound: %s: %s", what, ub_strerror(rc));
    return -1;
}

/* set_size - a cache size option in bytes */
static int
set_size(struct ub_ctx *ctx, const char *opt, size_t bytes, char *err,
         size_t errlen)
{
    char v[32];
    int rc;

    snprintf(v, sizeof v, "%zu", bytes);
    if ((rc = ub_ctx_set_option(ctx, opt, v)) != 0)
        return ub_fail(opt, rc, err, errlen);
    return 0;
}

/* remove_builtin_zones - the configured servers answer every name */
static int
remove_builtin_zones(struct ub_ctx *ctx, char *err, size_t errlen)
{
    const char *const *z;
    int rc;

    for (z = builtin_zones; *z != NULL; z++)
        if ((rc = ub_ctx_zone_remove(ctx, *z)) != 0)
            return ub_fail(*z, rc, err, errlen);
    /* the 100.64.0.0/10 and 172.16.0.0/12 reverse zones */
    for (rc = 64; rc <= 127; rc++) {
        char name[32];
        snprintf(name, sizeof name, "%d.100.in-addr.arpa.", rc);
        ub_ctx_zone_remove(ctx, name);
    }
    for (rc = 16; rc <= 31; rc++) {
        char name[32];
        snprintf(name, sizeof name, "%d.172.in-addr.arpa.", rc);
        ub_ctx_zone_remove(ctx, name);
    }
    return 0;
}

/* make_ctx - a libunbound context forwarding to conf's servers */
static struct ub_ctx *
make_ctx(const struct dns_conf *conf, char *err, size_t errlen)
{
    char servers[DNS_SERVERS_MAX][DNS_SERVER_LEN];
    struct ub_ctx *ctx = ub_ctx_create();
    int i, n, rc;

    if (ctx == NULL) {
        snprintf(err, errlen, "libunbound: cannot create a context");
        return NULL;
    }
    if ((rc = ub_ctx_async(ctx, 1)) != 0) {
        ub_fail("threads", rc, err, errlen);
        goto fail;
    }
    if (conf->servers != NULL) {
        n = dns_servers_parse(conf->servers, servers, DNS_SERVERS_MAX, err,
                              errlen);
        if (n < 0)
            goto fail;
        for (i = 0; i < n; i++)
            if ((rc = ub_ctx_set_fwd(ctx, servers[i])) != 0) {
                ub_fail(servers[i], rc, err, errlen);
                goto fail;
            }
    } else if ((rc = ub_ctx_resolvconf(ctx, NULL)) != 0) {
        ub_fail("/etc/resolv.conf", rc, err, errlen);
        goto fail;
    }
    /* ub_ctx_set_fwd forwards only (never recursion when the servers
     * fail); a server that timed out is still tried; a cache of dns_cache
     * bytes, a third for messages and two for RRsets */
    if ((rc = ub_ctx_set_option(ctx, "infra-keep-probing:", "yes")) != 0) {
        ub_fail("infra-keep-probing", rc, err, errlen);
        goto fail;
    }
    if (set_size(ctx, "msg-cache-size:", conf->cache / 3, err, errlen) < 0 ||
        set_size(ctx, "rrset-cache-size:", conf->cache - conf->cache / 3,
                 err, errlen) < 0 ||
        remove_builtin_zones(ctx, err, errlen) < 0)
        goto fail;
    return ctx;
fail:
    ub_ctx_delete(ctx);
    return NULL;
}

/* pump - the thread that delivers answers: ub_process when libunbound's
 * pipe is readable, until a byte arrives on wake */
static void *
pump(void *arg)
{
    struct dns_resolver *r = arg;
    struct pollfd fds[2];

    fds[0].fd = ub_fd(r->ctx);
    fds[0].events = POLLIN;
    fds[1].fd = r->wake[0];
    fds[1].events = POLLIN;
    for (;;) {
        fds[0].revents = fds[1].revents = 0;
        if (poll(fds, 2, 1000) < 0 && errno != EINTR) {
            log_err("dns: poll: %s", strerror(errno));
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, NULL);
            continue;
        }
        if (fds[1].revents != 0)
            break;
        if (fds[0].revents != 0) {
            int rc = ub_process(r->ctx);
            if (rc != 0)
                log_err("dns: libunbound: %s", ub_strerror(rc));
        }
    }
    return NULL;
}

/* start_blocked - run fn with every signal blocked in this thread, so that
 * threads it creates leave signals to luamilter's signal thread */
static int
start_pump_blocked(struct dns_resolver *r)
{
    sigset_t all, old;
    int rc;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&r->pump, NULL, pump, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* dns_resolver_new - a resolver for conf, with its pump running */
struct dns_resolver *
dns_resolver_new(const struct dns_conf *conf, char *err, size_t errlen)
{
    struct dns_resolver *r = calloc(1, sizeof *r);
    int rc;

    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->refs = 1;
    r->wake[0] = r->wake[1] = -1;
    r->cache = conf->cache;
    if (conf->servers != NULL && (r->servers = strdup(conf->servers)) == NULL) {
        snprintf(err, errlen, "out of memory");
        free(r);
        return NULL;
    }
    r->ctx = make_ctx(conf, err, errlen);
    if (r->ctx == NULL)
        goto fail;
    if (pipe(r->wake) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    fcntl(r->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(r->wake[1], F_SETFD, FD_CLOEXEC);
    pthread_mutex_init(&r->lock, NULL);
    if ((rc = start_pump_blocked(r)) != 0) {
        snprintf(err, errlen, "cannot start the DNS thread: %s", strerror(rc));
        pthread_mutex_destroy(&r->lock);
        goto fail;
    }
    return r;
fail:
    if (r->wake[0] >= 0) {
        close(r->wake[0]);
        close(r->wake[1]);
    }
    if (r->ctx != NULL)
        ub_ctx_delete(r->ctx);
    free(r->servers);
    free(r);
    return NULL;
}

/* free_query - a record nobody refers to any more (lock held) */
static void
free_query(struct dns_query *q)
{
    struct dns_resolver *r = q->res;

    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        r->queries = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    if (q->result != NULL)
        ub_resolve_free(q->result);
    free(q);
}

/* destroy - the last reference went: stop the pump, then libunbound (its
 * pending queries never call back), then the records left to callbacks */
static void
destroy(struct dns_resolver *r)
{
    char byte = 1;

    while (write(r->wake[1], &byte, 1) < 0 && errno == EINTR)
        ;
    pthread_join(r->pump, NULL);
    ub_ctx_delete(r->ctx);
    pthread_mutex_lock(&r->lock);
    while (r->queries != NULL)
        free_query(r->queries);
    pthread_mutex_unlock(&r->lock);
    pthread_mutex_destroy(&r->lock);
    close(r->wake[0]);
    close(r->wake[1]);
    free(r->servers);
    free(r);
}

/* dns_resolver_ref - take a reference */
void
dns_resolver_ref(struct dns_resolver *r)
{
    __atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
}

/* dns_resolver_unref - drop a reference; the last one destroys it (never
 * from the pump thread: only record references are dropped there) */
void
dns_resolver_unref(struct dns_resolver *r)
{
    if (r != NULL && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
        destroy(r);
}

/* dns_resolver_servers - what it forwards to, for log lines */
const char *
dns_resolver_servers(const struct dns_resolver *r)
{
    return r->servers != NULL ? r->servers : "the servers of /etc/resolv.conf";
}

/* dns_resolver_same - whether r was built from the same servers and cache
 * size as conf asks for */
int
dns_resolver_same(const struct dns_resolver *r, const struct dns_conf *conf)
{
    if (r->cache != conf->cache)
        return 0;
    if (r->servers == NULL || conf->servers == NULL)
        return r->servers == NULL && conf->servers == NULL;
    return strcmp(r->servers, conf->servers) == 0;
}

/* dns_resolver_current - a reference to the resolver in use, made from
 * conf if there is none yet (replay, milter.test) */
struct dns_resolver *
dns_resolver_current(const struct dns_conf *conf, char *err, size_t errlen)
{
    struct dns_resolver *r;

    pthread_mutex_lock(&current_lock);
    if (current == NULL)
        current = dns_resolver_new(conf, err, errlen);
    r = current;
    if (r != NULL)
        dns_resolver_ref(r);
    pthread_mutex_unlock(&current_lock);
    return r;
}

/* dns_resolver_set_current - r (whose reference it takes over, may be
 * NULL) serves new users; the one it replaces goes when its users do */
void
dns_resolver_set_current(struct dns_resolver *r)
{
    struct dns_resolver *old;

    pthread_mutex_lock(&current_lock);
    old = current;
    current = r;
    pthread_mutex_unlock(&current_lock);
    dns_resolver_unref(old);
}

/* dns_cond_init - a condition variable on the monotonic clock */
int
dns_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    rc = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}

/* answered - libunbound's callback, in the pump thread */
static void
answered(void *arg, int err, struct ub_result *result)
{
    struct dns_query *q = arg;
    struct dns_resolver *r = q->res;

    pthread_mutex_lock(&r->lock);
    q->answered_at = mono_now();
    q->done = 1;
    q->err = err;
    q->result = result;
    if (q->waiter != NULL)
        pthread_cond_signal(q->waiter);
    if (--q->refs == 0)
        free_query(q);
    pthread_mutex_unlock(&r->lock);
}

/* resolve_async - ub_resolve_async; the first call creates libunbound's
 * worker thread, so it runs with every signal blocked */
static int
resolve_async(struct dns_resolver *r, const char *name, int qtype,
              struct dns_query *q)
{
    sigset_t all, old;
    int rc;

    if (__atomic_load_n(&r->bg_started, __ATOMIC_ACQUIRE))
        return ub_resolve_async(r->ctx, name, qtype, 1, q, answered,
                                &q->async_id);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = ub_resolve_async(r->ctx, name, qtype, 1, q, answered, &q->async_id);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0)
        __atomic_store_n(&r->bg_started, 1, __ATOMIC_RELEASE);
    return rc;
}

/* dns_query_send - ask r for name/qtype; the record, or NULL with why */
struct dns_query *
dns_query_send(struct dns_resolver *r, const char *name, int qtype,
               pthread_cond_t *waiter, char *err, size_t errlen)
{
    struct dns_query *q = calloc(1, sizeof *q);
    int rc;

    if (q == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    q->res = r;
    q->waiter = waiter;
    q->refs = 2;                    /* the sender's and the callback's */
    q->sent_at = mono_now();
    pthread_mutex_lock(&r->lock);
    q->next = r->queries;
    if (q->next != NULL)
        q->next->prev = q;
    r->queries = q;
    pthread_mutex_unlock(&r->lock);
    rc = resolve_async(r, name, qtype, q);
    if (rc != 0) {
        snprintf(err, errlen, "%s", ub_strerror(rc));
        pthread_mutex_lock(&r->lock);
        q->refs = 1;                /* no callback will come */
        q->waiter = NULL;
        q->cancelled = 1;
        pthread_mutex_unlock(&r->lock);
        dns_query_release(q);
        return NULL;
    }
    return q;
}

/* settled - answered or cancelled (lock held) */
static int
settled(const struct dns_query *q)
{
    return q->done || q->cancelled;
}

/* dns_query_wait - wait until want of the records qs (of one resolver and
 * one waiter) are settled, or the monotonic deadline passes; how many are
 * not */
int
dns_query_wait(struct dns_query *const *qs, int n, double deadline, int want)
{
    struct dns_resolver *r;
    pthread_cond_t *cond = NULL;
    struct timespec ts;
    int i, left = 0;

    if (n == 0)
        return 0;
    r = qs[0]->res;
    ts.tv_sec = (time_t)floor(deadline);
    ts.tv_nsec = (long)((deadline - floor(deadline)) * 1e9);
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_nsec = 999999999L;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        left = 0;
        for (i = 0; i < n; i++)
            if (!settled(qs[i])) {
                left++;
                cond = qs[i]->waiter;
            }
        if (n - left >= want || cond == NULL || mono_now() >= deadline)
            break;
        if (pthread_cond_timedwait(cond, &r->lock, &ts) == ETIMEDOUT)
            deadline = 0;           /* one more count, then stop */
    }
    pthread_mutex_unlock(&r->lock);
    return left;
}

/* dns_query_done - whether the answer came (read after a wait) */
int
dns_query_done(struct dns_query *q)
{
    int done;

    pthread_mutex_lock(&q->res->lock);
    done = q->done;
    pthread_mutex_unlock(&q->res->lock);
    return done;
}

/* dns_query_cancel - give up on a record's answer: ub_cancel it; when the
 * answer is being delivered already, the callback keeps its reference */
void
dns_query_cancel(struct dns_query *q)
{
    struct dns_resolver *r;
    int rc;

    if (q == NULL)
        return;
    r = q->res;
    pthread_mutex_lock(&r->lock);
    if (settled(q)) {
        pthread_mutex_unlock(&r->lock);
        return;
    }
    q->cancelled = 1;
    pthread_mutex_unlock(&r->lock);
    rc = ub_cancel(r->ctx, q->async_id);
    pthread_mutex_lock(&r->lock);
    if (rc == 0 && !q->done)
        q->refs--;                  /* no callback will come: its ref */
    pthread_mutex_unlock(&r->lock);
}

/* dns_query_release - the sender is done with q: cancelled if unanswered,
 * freed by the last reference */
void
dns_query_release(struct dns_query *q)
{
    struct dns_resolver *r;

    if (q == NULL)
        return;
    r = q->res;
    dns_query_cancel(q);
    pthread_mutex_lock(&r->lock);
    q->waiter = NULL;
    if (--q->refs == 0)
        free_query(q);
    pthread_mutex_unlock(&r->lock);
}
