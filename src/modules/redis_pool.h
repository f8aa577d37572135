/*
 * redis_pool.h - the daemon's connections to its one Redis server.
 *
 * At most redis_connections hiredis contexts, shared by every connection's
 * Lua state and reused from call to call (never one per SMTP connection).
 * A caller takes one for a call and gives it back; with all of them busy it
 * waits on a condition variable (CLOCK_MONOTONIC) until its deadline.
 *
 * The rules that hiredis 0.14 imposes (capabilities-research.md A.4, A.6):
 * - a context that had any failure (timeout, closed, protocol error, reply
 *   too large) is freed, never given back: a late reply would be read as
 *   the answer to the next command;
 * - there is no reconnect: a new context is connected with the time left,
 *   gets its command timeout again (redisReconnect would drop it), then
 *   AUTH and SELECT (or a PING when neither is needed) in one round trip;
 * - only IP literals and unix paths (redis_url.h), so no resolver wait.
 * After a failed connect (refused, timed out, AUTH or SELECT refused) the
 * server counts as down for one second: calls that would need a new
 * connection fail at once with "connection ..."; then one caller tries
 * again, and the pool is back by itself when the server is.  A transport
 * failure also drops the idle contexts (they would fail the same way).
 *
 * Reference counted: redis_pool_new gives one reference, each holder (a
 * Lua state's binding) takes its own; the last release frees the pool, so
 * a reload can build a new pool while the old one drains.
 */
#ifndef LUAMILTER_REDIS_POOL_H
#define LUAMILTER_REDIS_POOL_H

#include <stddef.h>

#include "redis_config.h"
#include "redis_wire.h"

/* log levels the pool reports with (the daemon's enum log_level order) */
enum redis_log_level {
    REDIS_LOG_ERR = 0,
    REDIS_LOG_WARN,
    REDIS_LOG_NOTICE,
    REDIS_LOG_INFO,
    REDIS_LOG_DEBUG
};

/* what the pool takes from the daemon; any member may be NULL */
struct redis_hooks {
    /* one log line (no newline); NULL: the pool logs nothing */
    void (*log)(int level, const char *line, void *ud);
    /* seconds on a monotonic clock, for the one-second down window only
     * (so tests can move it); NULL: CLOCK_MONOTONIC.  I/O deadlines always
     * use CLOCK_MONOTONIC. */
    double (*now)(void *ud);
    void *ud;
    /* something the daemon's metrics count (REDIS_EVENT_*), called on the
     * caller's thread: it must only count; NULL: nothing counts */
    void (*event)(int what, void *ud);
};

/* the events of redis_hooks.event */
enum redis_event {
    REDIS_EVENT_CONNECT = 0,    /* a new connection is ready */
    REDIS_EVENT_CONNECT_FAILED, /* a connect (or its AUTH, SELECT) failed */
    REDIS_EVENT_WAIT,           /* a call waited for a free connection */
    REDIS_EVENT_WAIT_TIMEOUT    /* ... and found none before its deadline */
};

/* counters, for tests and diagnostics */
struct redis_pool_stats {
    int open;                   /* contexts open (idle + busy + connecting) */
    int idle;
    int peak_open;              /* most ever open at once */
    int down;                   /* the server counts as down now */
    unsigned long connects;     /* connect attempts */
    unsigned long connect_failures;
    unsigned long dropped;      /* contexts freed after a failure */
    unsigned long fast_failures; /* calls refused at once while down */
    unsigned long wait_timeouts; /* callers that found no free context */
};

struct redis_pool;

#define REDIS_DOWN_SECONDS 1.0

struct redis_pool *redis_pool_new(const struct redis_config *rc,
                                  const struct redis_hooks *hooks);
void redis_pool_hold(struct redis_pool *p);
void redis_pool_release(struct redis_pool *p);
double redis_pool_timeout(const struct redis_pool *p);
const char *redis_pool_label(const struct redis_pool *p);

int redis_pool_get(struct redis_pool *p, double deadline,
                   struct redis_conn **out, char *err, size_t errlen);
void redis_pool_put(struct redis_pool *p, struct redis_conn *c, int failed);
int redis_pool_roundtrip(struct redis_pool *p, struct redis_conn *c,
                         const struct redis_request *req, double deadline,
                         redisReply **replies, char *err, size_t errlen);
int redis_pool_run(struct redis_pool *p, const struct redis_request *req,
                   double deadline, redisReply **replies, char *err,
                   size_t errlen);
void redis_pool_stats(struct redis_pool *p, struct redis_pool_stats *st);

#endif
