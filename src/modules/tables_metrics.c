/*
 * tables_metrics.c - counting milter.tables (tables_metrics.h).  A table
 * name (from a `table =` line or Policy.tables) gets its series once, on
 * the first handle made for it, and keeps them until the process ends:
 * the names are the admin's and the policy author's, never mail's.
 */
#include "tables_metrics.h"
#include "metrics_caps.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* one table name's series */
struct named {
    struct named *next;
    char name[TABLES_NAME_MAX + 1];
    struct metric_series *results[3];   /* enum tables_result */
    struct metric_series *latency;
    struct metric_series *rules;
};

static const char *const result_words[3] = {"found", "notfound", "error"};

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static struct named *names;                 /* under names_lock */
static struct metric_family *lookups_fam, *latency_fam, *rules_fam;
static struct metric_series *rereads[2];    /* failed, ok */
static const struct tables_set *(*serving_set)(void *ud, void **ref);
static void (*serving_done)(void *ref);

/* find_named - the series of table name, made on first use (NULL out of
 * memory or before start) */
static struct named *
find_named(const char *name)
{
    const char *v[2], *by_name[1] = {name};
    struct named *n;
    int i;

    if (lookups_fam == NULL)
        return NULL;
    pthread_mutex_lock(&names_lock);
    for (n = names; n != NULL; n = n->next)
        if (strcmp(n->name, name) == 0)
            break;
    if (n == NULL && (n = calloc(1, sizeof *n)) != NULL) {
        strncpy(n->name, name, TABLES_NAME_MAX);
        for (i = 0; i < 3; i++) {
            v[0] = result_words[i];             /* labels: result, table */
            v[1] = name;
            n->results[i] = mcap_series(lookups_fam, v);
        }
        n->latency = mcap_series(latency_fam, by_name);
        n->rules = mcap_series(rules_fam, by_name);
        n->next = names;
        names = n;
    }
    pthread_mutex_unlock(&names_lock);
    return n;
}

/* bind_table - tables_meter.bind */
static void *
bind_table(const char *table)
{
    return find_named(table);
}

/* count - tables_meter.count */
static void
count(void *bound, int result, double seconds)
{
    struct named *n = bound;

    if (result >= TABLES_FOUND && result <= TABLES_ERROR)
        mcap_record(n->results[result], 1);
    mcap_record(n->latency, seconds);
}

const struct tables_meter tables_metrics_meter = {bind_table, count};

/* scrape - the rules of each table the serving generation names */
static void
scrape(void)
{
    const struct tables_set *set;
    void *ref = NULL;
    size_t i;

    if (serving_set == NULL || (set = serving_set(NULL, &ref)) == NULL) {
        if (serving_done != NULL && ref != NULL)
            serving_done(ref);
        return;
    }
    for (i = 0; i < tables_set_count(set); i++) {
        struct named *n = find_named(tables_set_name(set, i));
        struct table *t = tables_set_acquire(set, i, NULL);

        if (n != NULL && t != NULL)
            mcap_set(n->rules, (double)table_rules(t));
        table_unref(t);
    }
    serving_done(ref);
}

/* tables_metrics_start - the families (once); serving gives the set of
 * the generation serving now (and a reference done drops) */
void
tables_metrics_start(const struct tables_set *(*serving)(void *ud,
                                                         void **ref),
                     void (*done)(void *ref))
{
    static const char *const by_result[] = {"result", "table", NULL};
    static const char *const by_table[] = {"table", NULL};
    static const char *const reread_only[] = {"result", NULL};
    struct metric_family *f;
    const char *v[1];

    serving_set = serving;
    serving_done = done;
    if (lookups_fam != NULL)
        return;
    lookups_fam = mcap_family("luamilter_table_lookups", METRIC_COUNTER,
                              "Lookups of live connections (lookup, "
                              "lookup_domain, lookup_address: one each), by "
                              "table and result", by_result);
    latency_fam = mcap_latency_family("luamilter_table_lookup_duration_seconds",
                                      "Seconds a table lookup took",
                                      by_table);
    rules_fam = mcap_family("luamilter_table_rules", METRIC_GAUGE,
                            "Rules (entries) of each table the serving "
                            "script generation names", by_table);
    f = mcap_family("luamilter_table_reloads", METRIC_COUNTER,
                    "Table files read again because they changed (or at "
                    "SIGHUP), by result (failed: the old version stays)",
                    reread_only);
    v[0] = "failed";
    rereads[0] = mcap_series(f, v);
    v[0] = "ok";
    rereads[1] = mcap_series(f, v);
    mcap_on_scrape(scrape);
}

/* tables_metrics_reread - the registry's tables_env.reread */
void
tables_metrics_reread(void *ud, int ok)
{
    (void)ud;
    mcap_record(rereads[ok != 0], 1);
}
