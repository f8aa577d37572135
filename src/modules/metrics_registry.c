/*
 * metrics_registry.c - families and series of the metrics registry
 * (metrics_registry.h).
 */
#include "metrics_registry.h"
#include "metrics_text.h"
#include "metrics_value.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_INDEX_SIZE 512         /* > 2 * METRIC_FAMILIES_MAX, a power
                                     * of two */
#define SERIES_TABLE_MIN 1024
#define SERIES_TABLE_MAX (1u << 20)

/* things replaced while readers may still hold them: freed at reset */
struct retired {
    struct retired *next;
    void *ptr;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metric_family *fam_slot[METRIC_FAMILIES_MAX];    /* atomic */
static int fam_count;                                          /* atomic */
static int name_index[NAME_INDEX_SIZE];     /* atomic: slot + 1, 0: free */
static struct metric_series **series_table; /* atomic */
static uint32_t series_mask;
static long series_max = 10000;             /* atomic */
static long series_count;                   /* atomic: under the cap */
static long fixed_count;                    /* atomic: fixed families' */
static uint64_t series_dropped;             /* atomic */
static struct retired *retired_list;
#define RENDER_HOOKS_MAX 16
static void (*render_hooks[RENDER_HOOKS_MAX])(void);        /* atomic */

/* metric_type_name - the TYPE word of a type */
const char *
metric_type_name(enum metric_type t)
{
    return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge"
                                                               : "histogram";
}

/* fnv - FNV-1a over n bytes, continuing from h */
static uint32_t
fnv(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}

/* retire - keep p until reset (a reader may still use it) */
static void
retire(void *p)
{
    struct retired *r = malloc(sizeof *r);

    if (r == NULL)
        return;                 /* a small leak rather than a use after free */
    r->ptr = p;
    r->next = retired_list;
    retired_list = r;
}

/* find_slot - the slot of the family called name, or -1 */
static int
find_slot(const char *name)
{
    uint32_t i = fnv(2166136261u, name, strlen(name)) & (NAME_INDEX_SIZE - 1);
    int v;

    while ((v = __atomic_load_n(&name_index[i], __ATOMIC_ACQUIRE)) != 0) {
        const struct metric_family *f =
            __atomic_load_n(&fam_slot[v - 1], __ATOMIC_ACQUIRE);
        if (strcmp(f->def.name, name) == 0)
            return v - 1;
        i = (i + 1) & (NAME_INDEX_SIZE - 1);
    }
    return -1;
}

/* index_name - enter slot under name (locked; the name is new) */
static void
index_name(const char *name, int slot)
{
    uint32_t i = fnv(2166136261u, name, strlen(name)) & (NAME_INDEX_SIZE - 1);

    while (name_index[i] != 0)
        i = (i + 1) & (NAME_INDEX_SIZE - 1);
    __atomic_store_n(&name_index[i], slot + 1, __ATOMIC_RELEASE);
}

/* metrics_family_find - the family exported as name, or NULL */
struct metric_family *
metrics_family_find(const char *name)
{
    int slot = find_slot(name);

    return slot < 0 ? NULL : __atomic_load_n(&fam_slot[slot],
                                             __ATOMIC_ACQUIRE);
}

/* cmp_label - qsort order of label names */
static int
cmp_label(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* metric_def_sort_labels - sort d's labels by name; -1 on a duplicate */
int
metric_def_sort_labels(struct metric_def *d, char *err, size_t errlen)
{
    int i;

    qsort(d->labels, (size_t)d->nlabels, sizeof d->labels[0], cmp_label);
    for (i = 1; i < d->nlabels; i++) {
        if (strcmp(d->labels[i - 1], d->labels[i]) == 0) {
            snprintf(err, errlen, "label '%s' is given twice", d->labels[i]);
            return -1;
        }
    }
    return 0;
}

/* same_shape - whether two definitions have the same type, labels and
 * buckets (the help text may differ) */
static int
same_shape(const struct metric_def *a, const struct metric_def *b)
{
    int i;

    if (a->type != b->type || a->nlabels != b->nlabels ||
        a->nbounds != b->nbounds)
        return 0;
    for (i = 0; i < a->nlabels; i++)
        if (strcmp(a->labels[i], b->labels[i]) != 0)
            return 0;
    for (i = 0; i < a->nbounds; i++)
        if (a->bounds[i] != b->bounds[i])
            return 0;
    return 1;
}

/* describe - "a counter with labels (a, b)" and the like, into out */
static void
describe(const struct metric_def *d, char *out, size_t len)
{
    size_t used;
    int i;

    snprintf(out, len, "a %s with ", metric_type_name(d->type));
    used = strlen(out);
    if (d->nlabels == 0)
        snprintf(out + used, len - used, "no labels");
    for (i = 0; i < d->nlabels; i++) {
        used = strlen(out);
        snprintf(out + used, len - used, "%s%s%s", i == 0 ? "labels (" : ", ",
                 d->labels[i], i == d->nlabels - 1 ? ")" : "");
    }
    for (i = 0; i < d->nbounds && d->type == METRIC_HISTOGRAM; i++) {
        char num[40];
        used = strlen(out);
        snprintf(out + used, len - used, "%s%s%s",
                 i == 0 ? " and buckets (" : ", ",
                 mtext_double(num, sizeof num, d->bounds[i]),
                 i == d->nbounds - 1 ? ")" : "");
    }
}

/* new_family - a family object for d (not yet visible) */
static struct metric_family *
new_family(const struct metric_def *d, int state, const char *owner)
{
    struct metric_family *f = calloc(1, sizeof *f);

    if (f == NULL)
        return NULL;
    f->def = *d;
    f->help = strdup(d->help != NULL ? d->help : "");
    if (f->help == NULL) {
        free(f);
        return NULL;
    }
    f->def.help = NULL;
    f->seed = fnv(2166136261u, f->def.name, strlen(f->def.name));
    f->state = state;
    snprintf(f->owner, sizeof f->owner, "%s", owner != NULL ? owner : "");
    return f;
}

/* reword - give a family a new help text (locked) */
static void
reword(struct metric_family *f, const char *help)
{
    char *nh, *old = f->help;

    if (help == NULL || strcmp(old, help) == 0 || (nh = strdup(help)) == NULL)
        return;
    __atomic_store_n(&f->help, nh, __ATOMIC_RELEASE);
    retire(old);
}

/* check_declaration - whether defs may be declared (locked) */
static int
check_declaration(const struct metric_def *defs, int n, char *err,
                  size_t errlen)
{
    int i, added = 0;

    for (i = 0; i < n; i++) {
        int slot = find_slot(defs[i].name);
        char was[512], now[512];
        const struct metric_family *f;

        if (slot < 0) {
            added++;
            continue;
        }
        f = fam_slot[slot];
        if (f->state != METRIC_COMMITTED || same_shape(&f->def, &defs[i]))
            continue;
        describe(&f->def, was, sizeof was);
        describe(&defs[i], now, sizeof now);
        snprintf(err, errlen, "metric %s is %s; this declares %s: a metric "
                 "keeps its type, labels and buckets until luamilter "
                 "restarts", defs[i].name, was, now);
        return -1;
    }
    if (fam_count + added > METRIC_FAMILIES_MAX) {
        snprintf(err, errlen, "more than %d metrics declared since the "
                 "start (restart luamilter to forget old ones)",
                 METRIC_FAMILIES_MAX);
        return -1;
    }
    return 0;
}

/* declare_one - enter one checked definition (locked); -1 out of memory */
static int
declare_one(const struct metric_def *d, int commit, const char *owner)
{
    int slot = find_slot(d->name);
    int state = commit ? METRIC_COMMITTED : METRIC_TENTATIVE;
    struct metric_family *f, *nf;

    if (slot >= 0) {
        f = fam_slot[slot];
        if (f->state == METRIC_COMMITTED) {
            reword(f, d->help);
            return 0;
        }
        if (same_shape(&f->def, d) && strcmp(f->help, d->help) == 0) {
            snprintf(f->owner, sizeof f->owner, "%s", owner);
            if (commit)
                __atomic_store_n(&f->state, METRIC_COMMITTED,
                                 __ATOMIC_RELEASE);
            return 0;
        }
        /* a tentative family has no series: replace it */
        nf = new_family(d, state, owner);
        if (nf == NULL)
            return -1;
        __atomic_store_n(&fam_slot[slot], nf, __ATOMIC_RELEASE);
        retire(f->help);
        retire(f);
        return 0;
    }
    nf = new_family(d, state, owner);
    if (nf == NULL)
        return -1;
    slot = fam_count;
    __atomic_store_n(&fam_slot[slot], nf, __ATOMIC_RELEASE);
    index_name(d->name, slot);
    __atomic_store_n(&fam_count, slot + 1, __ATOMIC_RELEASE);
    return 0;
}

/* metrics_registry_declare - check then enter n definitions, all or none:
 * committed at once (commit), or tentative for the script version owner */
int
metrics_registry_declare(const struct metric_def *defs, int n, int commit,
                         const char *owner, char *err, size_t errlen)
{
    int i, rc = 0;

    pthread_mutex_lock(&reg_lock);
    if (check_declaration(defs, n, err, errlen) < 0)
        rc = -1;
    for (i = 0; rc == 0 && i < n; i++) {
        if (declare_one(&defs[i], commit, owner != NULL ? owner : "") < 0) {
            snprintf(err, errlen, "out of memory declaring metric %s",
                     defs[i].name);
            rc = -1;
        }
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

/* metrics_registry_commit - the script version owner serves: its
 * tentative families are exported from now on */
void
metrics_registry_commit(const char *owner)
{
    int i;

    pthread_mutex_lock(&reg_lock);
    for (i = 0; i < fam_count; i++) {
        struct metric_family *f = fam_slot[i];
        if (f->state == METRIC_TENTATIVE && strcmp(f->owner, owner) == 0)
            __atomic_store_n(&f->state, METRIC_COMMITTED, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&reg_lock);
}

/* metrics_family_register - a module's family, committed: d's, or the
 * same one already registered; NULL with err if it clashes */
struct metric_family *
metrics_family_register(const struct metric_def *d, char *err, size_t errlen)
{
    if (metrics_registry_declare(d, 1, 1, "", err, errlen) < 0)
        return NULL;
    return metrics_family_find(d->name);
}

/* metrics_family_register_fixed - the same, for a family whose label
 * values come from the config or closed word lists only: its series are
 * neither refused nor counted by metrics_max_series */
struct metric_family *
metrics_family_register_fixed(const struct metric_def *d, char *err,
                              size_t errlen)
{
    struct metric_family *f = metrics_family_register(d, err, errlen);

    if (f != NULL)
        __atomic_store_n(&f->fixed, 1, __ATOMIC_RELEASE);
    return f;
}

/* series_hash - the hash of a family's series with this key */
static uint32_t
series_hash(const struct metric_family *f, const char *key, size_t keylen)
{
    return fnv(f->seed, key, keylen);
}

/* chain_find - the series of f with key in the chain starting at s */
static struct metric_series *
chain_find(struct metric_series *s, const struct metric_family *f,
           uint32_t h, const char *key, size_t keylen)
{
    for (; s != NULL; s = __atomic_load_n(&s->hnext, __ATOMIC_ACQUIRE))
        if (s->hash == h && s->fam == f && s->keylen == keylen &&
            memcmp(s->key, key, keylen) == 0)
            return s;
    return NULL;
}

/* ensure_table - make the series table (locked); -1 out of memory */
static int
ensure_table(void)
{
    uint32_t size = SERIES_TABLE_MIN;
    struct metric_series **t;

    if (series_table != NULL)
        return 0;
    while (size < SERIES_TABLE_MAX && size < 2 * (uint64_t)series_max)
        size *= 2;
    t = calloc(size, sizeof *t);
    if (t == NULL)
        return -1;
    series_mask = size - 1;
    __atomic_store_n(&series_table, t, __ATOMIC_RELEASE);
    return 0;
}

/* refuse_series - count a series the cap (or memory) refused, log the
 * first one of each family (locked) */
static void
refuse_series(struct metric_family *f, const char *why)
{
    __atomic_add_fetch(&series_dropped, 1, __ATOMIC_RELAXED);
    if (f->drop_logged)
        return;
    f->drop_logged = 1;
    log_warn("metrics: %s: new label values of %s are dropped (counted in "
             "luamilter_metrics_series_dropped_total; logged once)", why,
             f->def.name);
}

/* new_series - create f's series for key and publish it (locked) */
static struct metric_series *
new_series(struct metric_family *f, uint32_t h, const char *key,
           size_t keylen)
{
    struct metric_series *s = calloc(1, sizeof *s + keylen);
    uint32_t b = h & series_mask;

    if (s == NULL)
        return NULL;
    if (f->def.type == METRIC_HISTOGRAM) {
        s->counts = calloc((size_t)f->def.nbounds + 1, sizeof *s->counts);
        if (s->counts == NULL) {
            free(s);
            return NULL;
        }
    }
    s->fam = f;
    s->hash = h;
    s->keylen = (uint32_t)keylen;
    memcpy(s->key, key, keylen);
    s->hnext = series_table[b];
    __atomic_store_n(&series_table[b], s, __ATOMIC_RELEASE);
    s->fnext = f->series;
    __atomic_store_n(&f->series, s, __ATOMIC_RELEASE);
    __atomic_add_fetch(f->fixed ? &fixed_count : &series_count, 1,
                       __ATOMIC_RELAXED);
    return s;
}

/* metrics_series_get - f's series for key (label values in f's label
 * order, each NUL-terminated), created if new; NULL when the cap or
 * memory refuses it, or f is not committed */
struct metric_series *
metrics_series_get(struct metric_family *f, const char *key, size_t keylen)
{
    uint32_t h = series_hash(f, key, keylen);
    struct metric_series **t = __atomic_load_n(&series_table,
                                               __ATOMIC_ACQUIRE);
    struct metric_series *s = NULL;

    if (t != NULL) {
        s = chain_find(__atomic_load_n(&t[h & series_mask], __ATOMIC_ACQUIRE),
                       f, h, key, keylen);
        if (s != NULL)
            return s;
    }
    pthread_mutex_lock(&reg_lock);
    if (__atomic_load_n(&f->state, __ATOMIC_ACQUIRE) != METRIC_COMMITTED ||
        keylen > METRIC_KEY_MAX) {
        pthread_mutex_unlock(&reg_lock);
        return NULL;
    }
    if (ensure_table() == 0)
        s = chain_find(series_table[h & series_mask], f, h, key, keylen);
    if (s == NULL && series_table == NULL) {
        refuse_series(f, "out of memory");
    } else if (s == NULL && !__atomic_load_n(&f->fixed, __ATOMIC_ACQUIRE) &&
               series_count >= __atomic_load_n(&series_max,
                                               __ATOMIC_RELAXED)) {
        char why[64];
        snprintf(why, sizeof why, "metrics_max_series (%ld) reached",
                 __atomic_load_n(&series_max, __ATOMIC_RELAXED));
        refuse_series(f, why);
    } else if (s == NULL && (s = new_series(f, h, key, keylen)) == NULL) {
        refuse_series(f, "out of memory");
    }
    pthread_mutex_unlock(&reg_lock);
    return s;
}

/* metrics_series_record - a value for a series: counter add, gauge set,
 * histogram observe */
void
metrics_series_record(struct metric_series *s, double v)
{
    const struct metric_def *d = &s->fam->def;

    switch (d->type) {
    case METRIC_COUNTER:
        mv_add(&s->value, v);
        break;
    case METRIC_GAUGE:
        mv_set(&s->value, v);
        break;
    case METRIC_HISTOGRAM:
        mv_observe(d->bounds, d->nbounds, s->counts, &s->sum, v);
        break;
    }
}

/* metrics_series_set - a value read elsewhere: a gauge, or a counter a
 * module keeps itself (not for histograms) */
void
metrics_series_set(struct metric_series *s, double v)
{
    if (s->fam->def.type != METRIC_HISTOGRAM)
        mv_set(&s->value, v);
}

/* metrics_registry_on_render - run fn before each rendering (a module
 * sets its gauges); once per fn; -1 when RENDER_HOOKS_MAX are taken */
int
metrics_registry_on_render(void (*fn)(void))
{
    int i, rc = -1;

    pthread_mutex_lock(&reg_lock);
    for (i = 0; i < RENDER_HOOKS_MAX; i++) {
        if (render_hooks[i] == fn) {
            rc = 0;
            break;
        }
        if (render_hooks[i] == NULL) {
            __atomic_store_n(&render_hooks[i], fn, __ATOMIC_RELEASE);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

/* run_render_hooks - the functions of metrics_registry_on_render */
static void
run_render_hooks(void)
{
    int i;

    for (i = 0; i < RENDER_HOOKS_MAX; i++) {
        void (*fn)(void) = __atomic_load_n(&render_hooks[i],
                                           __ATOMIC_ACQUIRE);
        if (fn == NULL)
            break;
        fn();
    }
}

/* metrics_registry_set_max - metrics_max_series */
void
metrics_registry_set_max(long max)
{
    __atomic_store_n(&series_max, max, __ATOMIC_RELAXED);
}

/* metrics_registry_count - series that exist (the fixed families'
 * included) */
long
metrics_registry_count(void)
{
    return __atomic_load_n(&series_count, __ATOMIC_RELAXED) +
           __atomic_load_n(&fixed_count, __ATOMIC_RELAXED);
}

/* metrics_registry_dropped - series refused since the start */
uint64_t
metrics_registry_dropped(void)
{
    return __atomic_load_n(&series_dropped, __ATOMIC_RELAXED);
}

/* render_series - the sample lines of one series */
static void
render_series(struct mtext *t, const struct metric_family *f,
              const struct metric_series *s)
{
    const char *names[METRIC_LABELS_MAX], *values[METRIC_LABELS_MAX];
    struct mlabels lb;
    const char *p = s->key;
    int i;

    lb.n = f->def.nlabels;
    lb.names = names;
    lb.values = values;
    for (i = 0; i < f->def.nlabels; i++) {
        names[i] = f->def.labels[i];
        values[i] = p;
        p += strlen(p) + 1;
    }
    if (f->def.type == METRIC_HISTOGRAM)
        mtext_histogram(t, f->def.name, &lb, f->def.bounds, f->def.nbounds,
                        s->counts, &s->sum);
    else
        mtext_sample_d(t, f->def.name,
                       f->def.type == METRIC_COUNTER ? "_total" : NULL, &lb,
                       mv_load(&s->value));
}

/* render_family - HELP, TYPE and every series of f, oldest first; a
 * family without labels shows its zero before its first value */
static void
render_family(struct mtext *t, const struct metric_family *f)
{
    struct metric_series *head, *s, **all;
    char name[METRIC_NAME_MAX + 8];
    size_t n = 0, i;

    snprintf(name, sizeof name, "%s%s", f->def.name,
             f->def.type == METRIC_COUNTER ? "_total" : "");
    mtext_family(t, name, metric_type_name(f->def.type),
                 __atomic_load_n(&f->help, __ATOMIC_ACQUIRE));
    /* the list only grows at its head: walk it from one snapshot */
    head = __atomic_load_n(&f->series, __ATOMIC_ACQUIRE);
    for (s = head; s != NULL; s = s->fnext)
        n++;
    if (n == 0 && f->def.nlabels == 0) {
        uint64_t zero[METRIC_BUCKETS_MAX + 1] = {0}, zsum = 0;
        if (f->def.type == METRIC_HISTOGRAM)
            mtext_histogram(t, f->def.name, NULL, f->def.bounds,
                            f->def.nbounds, zero, &zsum);
        else
            mtext_sample_u(t, name, NULL, NULL, 0);
        return;
    }
    all = malloc((n + 1) * sizeof *all);
    if (all == NULL) {
        t->failed = 1;
        return;
    }
    i = n;
    for (s = head; s != NULL && i > 0; s = s->fnext)
        all[--i] = s;
    for (i = 0; i < n; i++)
        render_series(t, f, all[i]);
    free(all);
}

/* metrics_registry_render - every committed family, in declaration order */
void
metrics_registry_render(struct mtext *t)
{
    int i, n;

    run_render_hooks();
    n = __atomic_load_n(&fam_count, __ATOMIC_ACQUIRE);
    for (i = 0; i < n; i++) {
        const struct metric_family *f = __atomic_load_n(&fam_slot[i],
                                                        __ATOMIC_ACQUIRE);
        if (__atomic_load_n(&f->state, __ATOMIC_ACQUIRE) == METRIC_COMMITTED)
            render_family(t, f);
    }
}

/* metrics_registry_reset - forget every family and series (unit tests;
 * nothing may be using them) */
void
metrics_registry_reset(void)
{
    int i;

    pthread_mutex_lock(&reg_lock);
    for (i = 0; i < fam_count; i++) {
        struct metric_series *s = fam_slot[i]->series, *next;
        for (; s != NULL; s = next) {
            next = s->fnext;
            free(s->counts);
            free(s);
        }
        free(fam_slot[i]->help);
        free(fam_slot[i]);
        fam_slot[i] = NULL;
    }
    while (retired_list != NULL) {
        struct retired *r = retired_list;
        retired_list = r->next;
        free(r->ptr);
        free(r);
    }
    memset(name_index, 0, sizeof name_index);
    memset(render_hooks, 0, sizeof render_hooks);
    fam_count = 0;
    free(series_table);
    series_table = NULL;
    series_count = 0;
    fixed_count = 0;
    series_dropped = 0;
    series_max = 10000;
    pthread_mutex_unlock(&reg_lock);
}
