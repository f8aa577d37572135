/*
 * metrics_value.h - the values of metric series, updated with atomics
 * only: a double held as its bits in a uint64_t (add by compare and swap,
 * set, load), and histograms as per-bucket counts plus an atomic sum.
 * A histogram's count is the sum of its buckets, so a scrape always sees
 * _count equal to the +Inf bucket.
 */
#ifndef LUAMILTER_METRICS_VALUE_H
#define LUAMILTER_METRICS_VALUE_H

#include <stdint.h>
#include <string.h>

/* mv_bits - the bits of a double */
static inline uint64_t
mv_bits(double d)
{
    uint64_t b;

    memcpy(&b, &d, sizeof b);
    return b;
}

/* mv_double - the double of some bits */
static inline double
mv_double(uint64_t b)
{
    double d;

    memcpy(&d, &b, sizeof d);
    return d;
}

/* mv_load - read a double value */
static inline double
mv_load(const uint64_t *p)
{
    return mv_double(__atomic_load_n(p, __ATOMIC_RELAXED));
}

/* mv_set - write a double value (a gauge) */
static inline void
mv_set(uint64_t *p, double d)
{
    __atomic_store_n(p, mv_bits(d), __ATOMIC_RELAXED);
}

/* mv_add - add to a double value (a counter, a histogram's sum) */
static inline void
mv_add(uint64_t *p, double d)
{
    uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED), sum;

    do {
        sum = mv_bits(mv_double(old) + d);
    } while (!__atomic_compare_exchange_n(p, &old, sum, 1, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
}

/* mv_inc - add n to an integer counter */
static inline void
mv_inc(uint64_t *p, uint64_t n)
{
    __atomic_add_fetch(p, n, __ATOMIC_RELAXED);
}

/* mv_get - read an integer counter */
static inline uint64_t
mv_get(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* mv_observe - one observation v into a histogram with n upper bounds
 * (ascending; counts has n + 1 slots, the last for +Inf) */
static inline void
mv_observe(const double *bounds, int n, uint64_t *counts, uint64_t *sum,
           double v)
{
    int i = 0;

    while (i < n && !(v <= bounds[i]))
        i++;
    mv_inc(&counts[i], 1);
    if (v == v)                 /* NaN counts in +Inf but adds no sum */
        mv_add(sum, v);
}

#endif
