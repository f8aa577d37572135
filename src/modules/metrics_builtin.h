/*
 * metrics_builtin.h - the daemon's own metrics (the calls of metrics.h):
 * plain static atomics, so they count from the first callback on with no
 * set-up, and a snapshot of the daemon's state for /healthz and /status.
 */
#ifndef LUAMILTER_METRICS_BUILTIN_H
#define LUAMILTER_METRICS_BUILTIN_H

#include <stddef.h>
#include <time.h>

struct mtext;

/* what /healthz and /status say of the daemon */
struct metrics_state {
    char script[16];            /* version serving, "" before the first */
    unsigned long generation;
    time_t script_loaded;       /* 0 if unknown */
    int reloads_ok, reloads_failed;
    int last_reload_ok;         /* -1: no reload yet */
    time_t last_reload;
    char last_reload_error[1024];
    long connections_open;
    unsigned long long connections_total, connections_refused;
    int breaker_open;
    int draining;
};

#define METRICS_STAGE_BUCKETS 17

extern const double metrics_stage_bounds[METRICS_STAGE_BUCKETS];

void metrics_builtin_state(struct metrics_state *st);
void metrics_builtin_render(struct mtext *t);

#endif
