/*
 * shdict_metrics.c - meters on the daemon's shared dictionaries
 * (shdict_metrics.h).  Labels: the dictionary's name (from shared_dict),
 * the operation and the error kind (closed word lists).
 */
#include "shdict_metrics.h"
#include "metrics_caps.h"

#include <pthread.h>
#include <stdlib.h>

static const char *const op_words[SHDICT_OP_COUNT] = {
    "get", "set", "add", "replace", "incr", "delete", "ttl", "expire",
    "flush_all", "get_keys"
};

enum { KIND_NO_MEMORY, KIND_FORCED, KIND_NOT_A_NUMBER, KIND_COUNT };
static const char *const kind_words[KIND_COUNT] = {
    "no_memory", "forced", "not_a_number"
};

struct dict_meter {
    struct shdict_meter base;       /* first: the dictionary's view */
    struct shdict *d;
    struct dict_meter *next;
    struct metric_series *ops[SHDICT_OP_COUNT];
    struct metric_series *errors[KIND_COUNT];
    struct metric_series *capacity, *used, *entries, *evictions, *expired;
};

static struct families {
    struct metric_family *ops, *errors, *capacity, *used, *entries,
        *evictions, *expired;
} fam;

static pthread_mutex_t meters_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dict_meter *meters;       /* under meters_lock */

/* count - a dictionary's call: its operation, and its error if any */
static void
count(struct shdict_meter *m, enum shdict_op op, int status, int forcible)
{
    struct dict_meter *dm = (struct dict_meter *)m;

    mcap_record(dm->ops[op], 1);
    if (status == SHDICT_NOMEM)
        mcap_record(dm->errors[KIND_NO_MEMORY], 1);
    else if (status == SHDICT_NOTNUMBER)
        mcap_record(dm->errors[KIND_NOT_A_NUMBER], 1);
    if (forcible)
        mcap_record(dm->errors[KIND_FORCED], 1);
}

/* scrape - the gauges and the dictionaries' own counters, read now */
static void
scrape(void)
{
    struct shdict_stats st;
    struct dict_meter *dm;

    pthread_mutex_lock(&meters_lock);
    for (dm = meters; dm != NULL; dm = dm->next) {
        shdict_stats(dm->d, &st);
        mcap_set(dm->capacity, (double)shdict_capacity(dm->d));
        mcap_set(dm->used, (double)st.bytes);
        mcap_set(dm->entries, (double)st.keys);
        mcap_set(dm->evictions, (double)st.evictions);
        mcap_set(dm->expired, (double)st.expired);
    }
    pthread_mutex_unlock(&meters_lock);
}

/* register_families - the families, once */
static void
register_families(void)
{
    static const char *const by_op[] = {"dict", "op", NULL};
    static const char *const by_kind[] = {"dict", "kind", NULL};
    static const char *const by_dict[] = {"dict", NULL};

    if (fam.ops != NULL)
        return;
    fam.ops = mcap_family("luamilter_shared_dict_operations", METRIC_COUNTER,
                          "Calls of live connections on a shared "
                          "dictionary, by operation", by_op);
    fam.errors = mcap_family("luamilter_shared_dict_errors", METRIC_COUNTER,
                             "Shared dictionary calls that failed (no_memory, "
                             "not_a_number) or evicted a live entry to fit "
                             "(forced)", by_kind);
    fam.capacity = mcap_family("luamilter_shared_dict_capacity_bytes",
                               METRIC_GAUGE, "The declared size of a shared "
                               "dictionary (shared_dict)", by_dict);
    fam.used = mcap_family("luamilter_shared_dict_used_bytes", METRIC_GAUGE,
                           "Bytes of a shared dictionary's memory in use",
                           by_dict);
    fam.entries = mcap_family("luamilter_shared_dict_entries", METRIC_GAUGE,
                              "Entries held (expired ones not yet swept "
                              "included)", by_dict);
    fam.evictions = mcap_family("luamilter_shared_dict_evictions",
                                METRIC_COUNTER, "Live entries evicted to "
                                "make room", by_dict);
    fam.expired = mcap_family("luamilter_shared_dict_expired", METRIC_COUNTER,
                              "Expired entries freed", by_dict);
    mcap_on_scrape(scrape);
}

/* new_meter - a meter for d with its series; NULL out of memory */
static struct dict_meter *
new_meter(struct shdict *d)
{
    struct dict_meter *dm = calloc(1, sizeof *dm);
    const char *v[2] = {shdict_name(d), NULL};
    int i;

    if (dm == NULL)
        return NULL;
    dm->base.count = count;
    dm->d = d;
    for (i = 0; i < SHDICT_OP_COUNT; i++) {
        v[1] = op_words[i];
        dm->ops[i] = mcap_series(fam.ops, v);
    }
    for (i = 0; i < KIND_COUNT; i++) {
        v[1] = kind_words[i];
        dm->errors[i] = mcap_series(fam.errors, v);
    }
    dm->capacity = mcap_series(fam.capacity, v);
    dm->used = mcap_series(fam.used, v);
    dm->entries = mcap_series(fam.entries, v);
    dm->evictions = mcap_series(fam.evictions, v);
    dm->expired = mcap_series(fam.expired, v);
    return dm;
}

/* shdict_metrics_attach - a meter on every dictionary of s that has none
 * (at start, and for those a reload adds) */
void
shdict_metrics_attach(struct shdict_set *s)
{
    struct shdict *d;
    size_t i;

    register_families();
    for (i = 0; (d = shdict_set_at(s, i)) != NULL; i++) {
        struct dict_meter *dm;

        if (shdict_meter_of(d) != NULL || (dm = new_meter(d)) == NULL)
            continue;
        pthread_mutex_lock(&meters_lock);
        dm->next = meters;
        meters = dm;
        pthread_mutex_unlock(&meters_lock);
        shdict_set_meter(d, &dm->base);
    }
}

/* shdict_metrics_detach - at stop, before the dictionaries are freed (no
 * callback runs any more): the meters go, a scrape sees none */
void
shdict_metrics_detach(void)
{
    struct dict_meter *dm, *next;

    pthread_mutex_lock(&meters_lock);
    dm = meters;
    meters = NULL;
    pthread_mutex_unlock(&meters_lock);
    for (; dm != NULL; dm = next) {
        next = dm->next;
        shdict_set_meter(dm->d, NULL);
        free(dm);
    }
}
