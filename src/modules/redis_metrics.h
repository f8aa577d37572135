/*
 * redis_metrics.h - the metrics of milter.redis (luamilter_redis_*):
 * commands by name (a fixed list, else "other") and result, their
 * latency, the pool's connections open and idle, connects, and calls that
 * waited for a free connection.  Only live connections' calls count (the
 * module gives the counting hook to MODULE_LIVE states only).
 */
#ifndef LUAMILTER_REDIS_METRICS_H
#define LUAMILTER_REDIS_METRICS_H

#include <stddef.h>

#include "redis_pool.h"

/* a call's result */
enum redis_result {
    REDIS_RESULT_OK = 0,        /* a reply (a pipeline: every reply came) */
    REDIS_RESULT_ERROR,         /* the server's error reply */
    REDIS_RESULT_TIMEOUT,
    REDIS_RESULT_BUDGET,        /* too little of the callback left: not sent */
    REDIS_RESULT_CONNECTION,    /* connect failed, closed, the server down */
    REDIS_RESULT_TOO_LARGE,     /* over the reply cap */
    REDIS_RESULT_REFUSED,       /* a command milter.redis never sends */
    REDIS_RESULT_COUNT
};

void redis_metrics_start(void (*pool_stats)(struct redis_pool_stats *st));
void redis_metrics_call(const char *cmd, size_t len, int result,
                        double seconds);
void redis_metrics_event(int what, void *ud);

#endif
