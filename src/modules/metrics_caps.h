/*
 * metrics_caps.h - what a capability module (milter.shared, milter.redis,
 * milter.dns, milter.tables) needs to export its metrics: register a
 * family at start, take its series once (their label values come from the
 * config or from closed word lists, never from mail), then count on the
 * callback path with atomics only (metrics_value.h through the series).
 * Every call takes NULL where a family or series is missing (it could not
 * be registered: logged once) and then does nothing, so a module never
 * fails because of its metrics.  A module that reads gauges from its own
 * state asks for a function run before each scrape (mcap_on_scrape).
 *
 * The coupling is one-way: modules call this; the metrics module knows
 * none of them.
 */
#ifndef LUAMILTER_METRICS_CAPS_H
#define LUAMILTER_METRICS_CAPS_H

#include "metrics_registry.h"

/* 100 µs to 10 s: a table lookup, a Redis round trip, a DNS query up to
 * the longest timeout a policy allows */
#define MCAP_LATENCY_BUCKETS 15
extern const double mcap_latency_bounds[MCAP_LATENCY_BUCKETS];

struct metric_family *mcap_family(const char *name, enum metric_type type,
                                  const char *help,
                                  const char *const *labels);
struct metric_family *mcap_latency_family(const char *name, const char *help,
                                          const char *const *labels);
struct metric_series *mcap_series(struct metric_family *f,
                                  const char *const *values);
struct metric_series *mcap_series_at(struct metric_series **slot,
                                     struct metric_family *f,
                                     const char *const *values);
void mcap_record(struct metric_series *s, double v);
void mcap_set(struct metric_series *s, double v);
void mcap_on_scrape(void (*fn)(void));

#endif
