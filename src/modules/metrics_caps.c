/*
 * metrics_caps.c - the capability modules' side of the metrics registry
 * (metrics_caps.h).
 */
#include "metrics_caps.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

const double mcap_latency_bounds[MCAP_LATENCY_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25, 0.5, 1, 2.5, 10
};

/* define - register a family; labels are given in name order (the
 * registry's), so a series' values line up with them */
static struct metric_family *
define(const char *name, enum metric_type type, const char *help,
       const char *const *labels, const double *bounds, int nbounds)
{
    struct metric_def d;
    struct metric_family *f;
    char err[512] = "";
    int i;

    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "%s", name);
    d.type = type;
    d.help = help;
    for (i = 0; labels != NULL && labels[i] != NULL; i++) {
        if (i == METRIC_LABELS_MAX || (i > 0 && strcmp(labels[i - 1],
                                                       labels[i]) >= 0)) {
            log_err("metrics: %s: labels must be at most %d, in name order",
                    name, METRIC_LABELS_MAX);
            return NULL;
        }
        snprintf(d.labels[i], sizeof d.labels[i], "%s", labels[i]);
    }
    d.nlabels = i;
    d.nbounds = nbounds;
    for (i = 0; i < nbounds; i++)
        d.bounds[i] = bounds[i];
    f = metrics_family_register_fixed(&d, err, sizeof err);
    if (f == NULL)
        log_err("metrics: %s: %s", name, err);
    return f;
}

/* mcap_family - a counter or gauge family (name without _total; labels
 * NULL-terminated, in name order, or NULL); NULL logged */
struct metric_family *
mcap_family(const char *name, enum metric_type type, const char *help,
            const char *const *labels)
{
    return define(name, type, help, labels, NULL, 0);
}

/* mcap_latency_family - a histogram in seconds on mcap_latency_bounds */
struct metric_family *
mcap_latency_family(const char *name, const char *help,
                    const char *const *labels)
{
    return define(name, METRIC_HISTOGRAM, help, labels, mcap_latency_bounds,
                  MCAP_LATENCY_BUCKETS);
}

/* mcap_series - f's series of these label values (one per label of f, in
 * its order; NULL for none), made now; NULL if f is */
struct metric_series *
mcap_series(struct metric_family *f, const char *const *values)
{
    char key[METRIC_KEY_MAX];
    size_t used = 0, n;
    int i;

    if (f == NULL)
        return NULL;
    for (i = 0; i < f->def.nlabels; i++) {
        n = strlen(values[i]);
        if (n >= METRIC_LABEL_VALUE_MAX)
            n = METRIC_LABEL_VALUE_MAX - 1;
        memcpy(key + used, values[i], n);
        used += n;
        key[used++] = '\0';
    }
    return metrics_series_get(f, key, used);
}

/* mcap_series_at - the series kept in *slot, looked up (mcap_series) and
 * published there the first time: a call path's own cache of a series
 * whose labels come from fixed word lists (the registry gives the same
 * series each time, so a race only looks it up twice) */
struct metric_series *
mcap_series_at(struct metric_series **slot, struct metric_family *f,
               const char *const *values)
{
    struct metric_series *s = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

    if (s == NULL) {
        s = mcap_series(f, values);
        __atomic_store_n(slot, s, __ATOMIC_RELEASE);
    }
    return s;
}

/* mcap_record - count (counter), set (gauge) or observe (histogram) */
void
mcap_record(struct metric_series *s, double v)
{
    if (s != NULL)
        metrics_series_record(s, v);
}

/* mcap_set - a counter or gauge takes a value the module keeps itself */
void
mcap_set(struct metric_series *s, double v)
{
    if (s != NULL)
        metrics_series_set(s, v);
}

/* mcap_on_scrape - run fn before each rendering of the metrics */
void
mcap_on_scrape(void (*fn)(void))
{
    if (metrics_registry_on_render(fn) < 0)
        log_err("metrics: too many modules read gauges at scrape time");
}
