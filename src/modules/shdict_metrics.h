/*
 * shdict_metrics.h - the metrics of the daemon's shared dictionaries
 * (luamilter_shared_dict_*): a meter on each dictionary of the daemon's
 * set counts its calls by operation and its errors by kind; capacity,
 * bytes used, entries, evictions and expirations are read from the
 * dictionary at each scrape.  A test run's dictionaries get no meter, so
 * in-policy tests, replay and milter.test count nothing.
 */
#ifndef LUAMILTER_SHDICT_METRICS_H
#define LUAMILTER_SHDICT_METRICS_H

#include "shdict_set.h"

void shdict_metrics_attach(struct shdict_set *s);
void shdict_metrics_detach(void);

#endif
