/*
 * monotime.h - the monotonic clock in seconds, for time budgets.
 */
#ifndef LUAMILTER_MONOTIME_H
#define LUAMILTER_MONOTIME_H

#include <time.h>

/* mono_now - seconds on the monotonic clock */
static inline double
mono_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
