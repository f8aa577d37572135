/*
 * metrics_registry.h - metric families and their series, process-wide.
 *
 * A family is a name, a type, a help text, label names and (histograms)
 * bucket bounds.  Its series, one per combination of label values, are
 * found through one hash table without a lock (chains are published with
 * release stores and never unlinked) and created under a lock, up to
 * metrics_max_series in all; past that a new combination is dropped and
 * counted.  Families are never removed: a metric keeps its type, labels
 * and buckets until the process ends.
 *
 * A family declared by a script that is only being checked is tentative:
 * it is not exported, a later check may redefine it, and it becomes
 * committed when that script serves (metrics_registry_commit).  Modules
 * register committed families (metrics_family_register; with _fixed,
 * when their label values come from the config or closed word lists, the
 * series cap neither refuses nor counts their series), and
 * may ask for a function to run before each rendering
 * (metrics_registry_on_render: gauges read from the module's own state).
 */
#ifndef LUAMILTER_METRICS_REGISTRY_H
#define LUAMILTER_METRICS_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

struct mtext;

enum metric_type {
    METRIC_COUNTER = 0,
    METRIC_GAUGE,
    METRIC_HISTOGRAM
};

#define METRIC_NAME_MAX 96          /* exposed name, without suffixes */
#define METRIC_HELP_MAX 512
#define METRIC_LABELS_MAX 8
#define METRIC_LABEL_NAME_MAX 64
#define METRIC_LABEL_VALUE_MAX 128  /* bytes; longer values are cut */
#define METRIC_BUCKETS_MAX 32
#define METRIC_FAMILIES_MAX 256
#define METRIC_KEY_MAX (METRIC_LABELS_MAX * (METRIC_LABEL_VALUE_MAX + 1))

/* a family's definition (labels sorted by name) */
struct metric_def {
    char name[METRIC_NAME_MAX];
    enum metric_type type;
    const char *help;
    int nlabels;
    char labels[METRIC_LABELS_MAX][METRIC_LABEL_NAME_MAX];
    int nbounds;
    double bounds[METRIC_BUCKETS_MAX];
};

struct metric_series;

struct metric_family {
    struct metric_def def;      /* help points into helpbuf */
    char *help;                 /* atomic: a reload may reword it */
    int state;                  /* atomic: METRIC_TENTATIVE, _COMMITTED */
    char owner[16];             /* the script version that declared it */
    struct metric_series *series;   /* atomic: newest first */
    uint32_t seed;              /* the hash of its name, for its series */
    int drop_logged;
    int fixed;                  /* metrics_family_register_fixed: its
                                 * series are bounded by the config, outside
                                 * metrics_max_series */
};

#define METRIC_TENTATIVE 0
#define METRIC_COMMITTED 1

struct metric_series {
    struct metric_series *hnext;    /* hash chain */
    struct metric_series *fnext;    /* the family's list */
    const struct metric_family *fam;
    uint32_t hash;
    uint32_t keylen;
    uint64_t value;                 /* counter, gauge: a double's bits */
    uint64_t sum;                   /* histogram: a double's bits */
    uint64_t *counts;               /* histogram: nbounds + 1 */
    char key[];                     /* label values, each NUL-terminated */
};

const char *metric_type_name(enum metric_type t);
int metric_def_sort_labels(struct metric_def *d, char *err, size_t errlen);
int metrics_registry_declare(const struct metric_def *defs, int n,
                             int commit, const char *owner, char *err,
                             size_t errlen);
void metrics_registry_commit(const char *owner);
struct metric_family *metrics_family_register(const struct metric_def *d,
                                              char *err, size_t errlen);
struct metric_family *metrics_family_register_fixed(const struct metric_def *d,
                                                    char *err, size_t errlen);
struct metric_family *metrics_family_find(const char *name);
struct metric_series *metrics_series_get(struct metric_family *f,
                                         const char *key, size_t keylen);
void metrics_series_record(struct metric_series *s, double v);
void metrics_series_set(struct metric_series *s, double v);
int metrics_registry_on_render(void (*fn)(void));
void metrics_registry_set_max(long max);
long metrics_registry_count(void);
uint64_t metrics_registry_dropped(void);
void metrics_registry_render(struct mtext *t);
void metrics_registry_reset(void);

#endif
