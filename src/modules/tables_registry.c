/*
 * tables_registry.c - slots (one per table file), sets (names -> slots) and
 * reloading (tables.h).
 *
 * Locks: reg->lock guards the slot list, each slot's users count and every
 * load (so a file is read by one thread at a time); slot->lock guards
 * slot->current and slot->gen, for the moment of taking or swapping them
 * (gen is also read without it, atomically, to see that nothing changed).
 * Order: reg->lock before slot->lock.  A lookup takes slot->lock alone,
 * briefly, and only when its state has no version of the table yet or the
 * slot's generation moved.
 */
#include "tables.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct tables_slot {
    char *key;                  /* TYPE:PATH and the confinement */
    enum table_type type;
    char *path;
    char *confine;              /* directory it must stay in, or NULL */
    pthread_mutex_t lock;       /* guards current and gen */
    struct table *current;
    unsigned long gen;          /* bumped at each swap */
    double next_check;          /* env clock */
    struct tfile_id failed;     /* the last version that failed to load */
    int has_failed;
    int users;                  /* set entries naming it */
    unsigned long reread_by;    /* the set that read it again last */
    struct tables_slot *next;
};

/* how reload_slot looks at a file */
enum reread {
    REREAD_DUE,                 /* the watcher: if changed, not hot, and a
                                 * bad version said once */
    REREAD_CHANGED,             /* SIGHUP: now if changed, hot or not */
    REREAD_FORCE                /* read and parse it whatever it looks like */
};

struct tables_reg {
    struct tables_env env;
    pthread_mutex_t lock;
    struct tables_slot *slots;
    struct tables_watch watch;
};

struct tables_entry {
    char *name;
    char *spec;                 /* as declared, for messages */
    struct tables_slot *slot;
};

struct tables_set {
    struct tables_reg *reg;
    struct tables_entry *entries;
    size_t n, cap;
    int refs;
    unsigned long id;           /* for tables_slot.reread_by */
};

static unsigned long set_ids;   /* the last set id given */
static int reload_slot(struct tables_reg *reg, struct tables_slot *slot,
                       enum reread how);

/* now - the registry's clock */
static double
now(const struct tables_reg *reg)
{
    struct timespec ts;

    if (reg->env.now != NULL)
        return reg->env.now(reg->env.ud);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* say - one log line through the registry's logger */
static void
say(const struct tables_reg *reg, int level, const char *fmt, ...)
{
    char line[1200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (reg->env.log != NULL)
        reg->env.log(reg->env.ud, level, line);
    else
        fprintf(stderr, "%s\n", line);
}

/* tables_reg_new - an empty registry */
struct tables_reg *
tables_reg_new(const struct tables_env *env)
{
    struct tables_reg *reg = calloc(1, sizeof *reg);

    if (reg == NULL)
        return NULL;
    if (env != NULL)
        reg->env = *env;
    pthread_mutex_init(&reg->lock, NULL);
    pthread_mutex_init(&reg->watch.lock, NULL);
    return reg;
}

/* free_slot - release a slot no set names */
static void
free_slot(struct tables_slot *slot)
{
    table_unref(slot->current);
    pthread_mutex_destroy(&slot->lock);
    free(slot->key);
    free(slot->path);
    free(slot->confine);
    free(slot);
}

/* tables_reg_free - release the registry (stopping its watcher) after
 * the last set is released (slots still named are freed too) */
void
tables_reg_free(struct tables_reg *reg)
{
    struct tables_slot *slot, *next;

    if (reg == NULL)
        return;
    tables_watch_stop(reg);
    for (slot = reg->slots; slot != NULL; slot = next) {
        next = slot->next;
        free_slot(slot);
    }
    pthread_mutex_destroy(&reg->lock);
    pthread_mutex_destroy(&reg->watch.lock);
    free(reg);
}

/* tables_reg_watch - the watcher's state (tables_watch.c) */
struct tables_watch *
tables_reg_watch(struct tables_reg *reg)
{
    return &reg->watch;
}

/* tables_reg_interval - table_check, seconds */
double
tables_reg_interval(struct tables_reg *reg)
{
    double s;

    pthread_mutex_lock(&reg->lock);
    s = reg->env.check_interval;
    pthread_mutex_unlock(&reg->lock);
    return s;
}

/* tables_reg_set_interval - a new table_check (at start, or a reload
 * changed it): no file waits longer than that for its next look */
void
tables_reg_set_interval(struct tables_reg *reg, double seconds)
{
    struct tables_slot *slot;
    double t;

    pthread_mutex_lock(&reg->lock);
    reg->env.check_interval = seconds;
    t = now(reg) + seconds;
    for (slot = reg->slots; slot != NULL; slot = slot->next)
        if (slot->next_check > t)
            slot->next_check = t;
    pthread_mutex_unlock(&reg->lock);
}

/* tables_name_valid - a NAME usable as tables.NAME: a Lua identifier of
 * at most TABLES_NAME_MAX bytes */
int
tables_name_valid(const char *name, size_t len)
{
    size_t i;

    if (len == 0 || len > TABLES_NAME_MAX || (name[0] >= '0' && name[0] <= '9'))
        return 0;
    for (i = 0; i < len; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* tables_config_line - "NAME TYPE:PATH" (a table = value) into name and
 * spec (pointing into value); -1 with err */
int
tables_config_line(const char *value, char *name, size_t namecap,
                   const char **spec, char *err, size_t errlen)
{
    size_t n = strcspn(value, " \t");
    const char *rest = value + n, *path;
    enum table_type type;

    rest += strspn(rest, " \t");
    if (n == 0 || *rest == '\0') {
        snprintf(err, errlen, "expected 'table = NAME TYPE:PATH', e.g. "
                 "'table = client_access cidr:/etc/postfix/client.cidr'");
        return -1;
    }
    if (!tables_name_valid(value, n) || n >= namecap) {
        snprintf(err, errlen, "bad table name '%.*s' (letters, digits and _, "
                 "not starting with a digit, at most %d)", (int)n, value,
                 TABLES_NAME_MAX);
        return -1;
    }
    if (table_spec_parse(rest, &type, &path, err, errlen) < 0)
        return -1;
    memcpy(name, value, n);
    name[n] = '\0';
    *spec = rest;
    return 0;
}

/* resolve - the path a spec names: PATH itself if absolute, else below
 * base_dir; confined, it must be relative without "..".  NULL with err. */
static char *
resolve(const char *path, const char *base_dir, int confine, char *err,
        size_t errlen)
{
    size_t blen;
    char *out;

    if (confine) {
        const char *p = path;

        if (*path == '/') {
            snprintf(err, errlen, "'%s': a policy's table path must be "
                     "relative to the script's directory", path);
            return NULL;
        }
        for (;;) {
            size_t seg = strcspn(p, "/");

            if (seg == 2 && p[0] == '.' && p[1] == '.') {
                snprintf(err, errlen, "'%s': a policy's table path may not "
                         "contain '..'", path);
                return NULL;
            }
            if (p[seg] == '\0')
                break;
            p += seg + 1;
        }
    }
    if (*path == '/' || base_dir == NULL || *base_dir == '\0')
        return strdup(path);
    blen = strlen(base_dir);
    out = malloc(blen + strlen(path) + 2);
    if (out != NULL)
        sprintf(out, "%s%s%s", base_dir, base_dir[blen - 1] == '/' ? "" : "/",
                path);
    return out;
}

/* find_slot - the registry's slot for key (reg->lock held), or NULL */
static struct tables_slot *
find_slot(struct tables_reg *reg, const char *key)
{
    struct tables_slot *slot;

    for (slot = reg->slots; slot != NULL; slot = slot->next)
        if (strcmp(slot->key, key) == 0)
            return slot;
    return NULL;
}

/* new_slot - load a table file into a new registry slot (reg->lock held);
 * NULL with err */
static struct tables_slot *
new_slot(struct tables_reg *reg, const char *key, enum table_type type,
         char *path, const char *confine, char *err, size_t errlen)
{
    struct tables_slot *slot = calloc(1, sizeof *slot);

    if (slot == NULL || (slot->key = strdup(key)) == NULL
        || (confine != NULL && (slot->confine = strdup(confine)) == NULL)) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    slot->path = path;
    slot->type = type;
    slot->current = table_load(type, path, confine, err, errlen);
    if (slot->current == NULL)
        goto fail;
    pthread_mutex_init(&slot->lock, NULL);
    slot->next_check = now(reg) + reg->env.check_interval;
    slot->next = reg->slots;
    reg->slots = slot;
    return slot;
fail:
    if (slot != NULL) {
        free(slot->key);
        free(slot->confine);
        free(slot);
    }
    free(path);
    return NULL;
}

/* tables_set_new - an empty set over reg */
struct tables_set *
tables_set_new(struct tables_reg *reg)
{
    struct tables_set *s = calloc(1, sizeof *s);

    if (s != NULL) {
        s->reg = reg;
        s->refs = 1;
        s->id = __atomic_add_fetch(&set_ids, 1, __ATOMIC_RELAXED);
    }
    return s;
}

/* tables_set_find - the index of name in s, or -1 */
long
tables_set_find(const struct tables_set *s, const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (strlen(s->entries[i].name) == len
            && memcmp(s->entries[i].name, name, len) == 0)
            return (long)i;
    return -1;
}

/* tables_set_add - name the table spec ("TYPE:PATH", PATH relative to
 * base_dir) in s, loading its file unless the registry has it already
 * (with TABLES_REREAD it reads that one again if it changed: a version
 * that does not parse is logged, the one before stays); with TABLES_KEEP
 * a name s already has is left alone.  -1 with err ("PATH:LINE: what is
 * wrong" when the file does not parse). */
int
tables_set_add(struct tables_set *s, const char *name, const char *spec,
               const char *base_dir, unsigned flags, char *err,
               size_t errlen)
{
    struct tables_reg *reg = s->reg;
    int confine = (flags & TABLES_CONFINE) != 0;
    struct tables_entry *e;
    struct tables_slot *slot;
    enum table_type type;
    const char *path;
    char *full, *key;
    int rc = -1;

    if (!tables_name_valid(name, strlen(name))) {
        snprintf(err, errlen, "bad table name '%s' (letters, digits and _, "
                 "not starting with a digit, at most %d)", name,
                 TABLES_NAME_MAX);
        return -1;
    }
    if (table_spec_parse(spec, &type, &path, err, errlen) < 0)
        return -1;
    if (tables_set_find(s, name, strlen(name)) >= 0) {
        if (flags & TABLES_KEEP)
            return 0;
        snprintf(err, errlen, "table '%s' is named twice", name);
        return -1;
    }
    full = resolve(path, base_dir, confine, err, errlen);
    if (full == NULL)
        return -1;
    key = malloc(strlen(full) + 32);
    if (key == NULL) {
        free(full);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sprintf(key, "%s:%s%s", table_type_name(type), full,
            confine ? "\n(confined)" : "");
    if (s->n == s->cap) {
        size_t c = s->cap ? s->cap * 2 : 8;
        struct tables_entry *bigger = realloc(s->entries, c * sizeof *bigger);

        if (bigger == NULL) {
            snprintf(err, errlen, "out of memory");
            free(full);
            goto done;
        }
        s->entries = bigger;
        s->cap = c;
    }
    e = &s->entries[s->n];
    e->name = strdup(name);
    e->spec = strdup(spec);
    if (e->name == NULL || e->spec == NULL) {
        free(e->name);
        free(e->spec);
        free(full);
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    pthread_mutex_lock(&reg->lock);
    slot = find_slot(reg, key);
    if (slot != NULL) {
        free(full);
        if ((flags & TABLES_REREAD) && slot->reread_by != s->id) {
            slot->reread_by = s->id;
            reload_slot(reg, slot, REREAD_CHANGED);
        }
    } else
        slot = new_slot(reg, key, type, full,
                        confine ? (base_dir && *base_dir ? base_dir : ".")
                                : NULL, err, errlen);
    if (slot != NULL)
        slot->users++;
    pthread_mutex_unlock(&reg->lock);
    if (slot == NULL) {
        free(e->name);
        free(e->spec);
        goto done;
    }
    e->slot = slot;
    s->n++;
    rc = 0;
done:
    free(key);
    return rc;
}

/* tables_set_ref - one more holder of s */
void
tables_set_ref(struct tables_set *s)
{
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

/* tables_set_unref - one holder less; the last releases the slots no other
 * set names */
void
tables_set_unref(struct tables_set *s)
{
    struct tables_reg *reg;
    size_t i;

    if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    reg = s->reg;
    pthread_mutex_lock(&reg->lock);
    for (i = 0; i < s->n; i++) {
        struct tables_slot *slot = s->entries[i].slot, **pp;

        if (--slot->users > 0)
            continue;
        for (pp = &reg->slots; *pp != slot; pp = &(*pp)->next)
            ;
        *pp = slot->next;
        free_slot(slot);
    }
    pthread_mutex_unlock(&reg->lock);
    for (i = 0; i < s->n; i++) {
        free(s->entries[i].name);
        free(s->entries[i].spec);
    }
    free(s->entries);
    free(s);
}

/* tables_set_count - how many names s has */
size_t
tables_set_count(const struct tables_set *s)
{
    return s->n;
}

/* tables_set_name - the i-th name */
const char *
tables_set_name(const struct tables_set *s, size_t i)
{
    return s->entries[i].name;
}

/* tables_set_spec - the i-th TYPE:PATH as declared */
const char *
tables_set_spec(const struct tables_set *s, size_t i)
{
    return s->entries[i].spec;
}

/* tables_set_acquire - the current version of the i-th table, with a
 * reference the caller drops with table_unref; *gen (if not NULL) its
 * generation, for tables_set_gen */
struct table *
tables_set_acquire(const struct tables_set *s, size_t i, unsigned long *gen)
{
    struct tables_slot *slot = s->entries[i].slot;
    struct table *t;

    pthread_mutex_lock(&slot->lock);
    t = slot->current;
    table_ref(t);
    if (gen != NULL)
        *gen = slot->gen;
    pthread_mutex_unlock(&slot->lock);
    return t;
}

/* tables_set_gen - the generation of the i-th table now (no lock): equal
 * to what tables_set_acquire gave, the version taken then is still the
 * current one */
unsigned long
tables_set_gen(const struct tables_set *s, size_t i)
{
    return __atomic_load_n(&s->entries[i].slot->gen, __ATOMIC_ACQUIRE);
}

/* is_hot - whether the file was modified within the last second (it may
 * still be being written) */
static int
is_hot(const struct tfile_id *id)
{
    long long wall = (long long)time(NULL) * 1000000000LL;

    return id->mtime_ns > wall - 1000000000LL;
}

/* reread - tell the registry's env of a file read again */
static void
reread(const struct tables_reg *reg, int ok)
{
    if (reg->env.reread != NULL)
        reg->env.reread(reg->env.ud, ok);
}

/* reload_slot - read slot's file again as how says (reg->lock held); 0
 * unchanged or reloaded, -1 it failed (the old version stays) */
static int
reload_slot(struct tables_reg *reg, struct tables_slot *slot,
            enum reread how)
{
    struct tfile_id id;
    struct table *t, *old;
    char err[1024];
    int force = how == REREAD_FORCE, due = how == REREAD_DUE;

    if (tfile_stat(slot->path, &id) < 0) {
        if (slot->has_failed && slot->failed.ino == 0 && due)
            return -1;          /* said already */
        memset(&slot->failed, 0, sizeof slot->failed);
        slot->has_failed = 1;
        say(reg, TABLES_LOG_ERR, "table %s: cannot stat: %s; keeping the "
            "version read before", slot->path, strerror(errno));
        reread(reg, 0);
        return -1;
    }
    if (!force && tfile_same(&id, table_file_id(slot->current)))
        return 0;
    if (due && slot->has_failed && tfile_same(&id, &slot->failed))
        return -1;              /* this bad version was reported already */
    if (due && is_hot(&id)) {
        slot->next_check = 0;   /* look again at the next check */
        return 0;
    }
    t = table_load(slot->type, slot->path, slot->confine, err, sizeof err);
    if (t == NULL) {
        slot->failed = id;
        slot->has_failed = 1;
        say(reg, TABLES_LOG_ERR, "table %s; keeping the version read before",
            err);
        reread(reg, 0);
        return -1;
    }
    reread(reg, 1);
    slot->has_failed = 0;
    pthread_mutex_lock(&slot->lock);
    old = slot->current;
    slot->current = t;
    __atomic_store_n(&slot->gen, slot->gen + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&slot->lock);
    table_unref(old);
    say(reg, TABLES_LOG_INFO, "table %s:%s: %zu rules loaded",
        table_type_name(slot->type), slot->path, table_rules(t));
    return 0;
}

/* tables_reg_reload - read again the files whose check is due and that
 * changed, or (force) every file; the number that failed to load */
int
tables_reg_reload(struct tables_reg *reg, int force)
{
    struct tables_slot *slot;
    double t;
    int failed = 0;

    pthread_mutex_lock(&reg->lock);
    t = now(reg);
    for (slot = reg->slots; slot != NULL; slot = slot->next) {
        /* a tenth of the interval early is due: the watcher wakes every
         * interval from before its last check, not from after it */
        if (!force && (reg->env.check_interval <= 0 ||
                       t < slot->next_check - reg->env.check_interval / 10))
            continue;
        slot->next_check = t + reg->env.check_interval;
        if (reload_slot(reg, slot, force ? REREAD_FORCE : REREAD_DUE) < 0)
            failed++;
    }
    pthread_mutex_unlock(&reg->lock);
    return failed;
}
