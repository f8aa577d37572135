/*
 * dns_resolver.h - libunbound for milter.dns: one shared context in
 * forward mode (never full recursion) with one pump thread, and query
 * records the connection threads send and wait on.
 *
 * A resolver is built from the config's dns_servers and dns_cache: it
 * forwards everything to those servers (libunbound's built-in local zones
 * such as test. and the RFC 1918 reverse zones are removed, so the servers
 * answer those too), keeps libunbound's TTL-respecting cache, and runs
 * libunbound's background worker plus one pump thread (poll on ub_fd,
 * ub_process), both created with every signal blocked.  The resolver in
 * use is "current"; SIGHUP may replace it, and each user holds a reference
 * until it is done.
 *
 * A connection sends a query with dns_query_send, naming the condition
 * variable its thread waits on (one per Lua state, always used with the
 * resolver's lock), waits for its queries with dns_query_wait up to its own
 * deadline, and releases each record; a record released or cancelled
 * before its answer came is ub_cancel'ed.  ub_cancel may lose the race
 * against an answer being delivered, so a record counts two references
 * (the sender's and the callback's) and is freed by whichever drops the
 * last.
 */
#ifndef LUAMILTER_DNS_RESOLVER_H
#define LUAMILTER_DNS_RESOLVER_H

#include <pthread.h>
#include <stddef.h>

struct dns_conf;
struct dns_resolver;
struct ub_result;

/* one query in flight, or answered */
struct dns_query {
    struct dns_resolver *res;
    struct dns_query *next, *prev;  /* the resolver's list of records */
    struct dns_query *onext, *oprev;    /* the sender's list: touched by
                                         * the sending state only */
    int aborted;                    /* the sender cancelled it (abort) */
    int kept;                       /* the sender's: started before the
                                     * message, abort leaves it running */
    pthread_cond_t *waiter;         /* signalled on the answer, or NULL */
    int refs;                       /* under the resolver's lock */
    int async_id;
    int done;                       /* the answer (or error) came */
    int cancelled;                  /* ub_cancel'ed: no answer will do */
    int err;                        /* libunbound's error, 0: result */
    struct ub_result *result;
    double sent_at, answered_at;    /* monotonic seconds, for metrics */
};

struct dns_resolver *dns_resolver_new(const struct dns_conf *conf,
                                      char *err, size_t errlen);
void dns_resolver_ref(struct dns_resolver *r);
void dns_resolver_unref(struct dns_resolver *r);
const char *dns_resolver_servers(const struct dns_resolver *r);
int dns_resolver_same(const struct dns_resolver *r,
                      const struct dns_conf *conf);

struct dns_resolver *dns_resolver_current(const struct dns_conf *conf,
                                          char *err, size_t errlen);
void dns_resolver_set_current(struct dns_resolver *r);

int dns_cond_init(pthread_cond_t *cond);
struct dns_query *dns_query_send(struct dns_resolver *r, const char *name,
                                 int qtype, pthread_cond_t *waiter,
                                 char *err, size_t errlen);
int dns_query_wait(struct dns_query *const *qs, int n, double deadline,
                   int want);
void dns_query_cancel(struct dns_query *q);
void dns_query_release(struct dns_query *q);
int dns_query_done(struct dns_query *q);

#endif
