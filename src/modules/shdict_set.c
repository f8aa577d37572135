/*
 * shdict_set.c - `shared_dict = NAME SIZE` declarations and the set of
 * dictionaries that survives reloads (see shdict_set.h).
 */
#include "shdict_set.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZE (1ULL << 40)           /* 1T */

struct shdict_set {
    pthread_mutex_t lock;               /* guards v and n */
    struct shdict **v;
    size_t n, cap;
    struct shdict_clock clock;
    int has_clock;
    shdict_log_fn log;
    void *log_ud;
};

/* valid_name - whether s[0..len) is [A-Za-z_][A-Za-z0-9_]* and short */
static int
valid_name(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > SHDICT_NAME_MAX ||
        isdigit((unsigned char)s[0]))
        return 0;
    for (i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

/* parse_size - digits with an optional K, M or G (either case); -1 if
 * text is not that or is out of range */
static int
parse_size(const char *text, size_t len, size_t *size)
{
    unsigned long long n = 0, mult = 1;
    size_t i = 0;

    for (; i < len && isdigit((unsigned char)text[i]); i++) {
        if (n > MAX_SIZE)
            return -1;
        n = n * 10 + (unsigned long long)(text[i] - '0');
    }
    if (i == 0)
        return -1;
    if (i + 1 == len) {
        switch (toupper((unsigned char)text[i])) {
        case 'K': mult = 1ULL << 10; break;
        case 'M': mult = 1ULL << 20; break;
        case 'G': mult = 1ULL << 30; break;
        default: return -1;
        }
    } else if (i != len) {
        return -1;
    }
    if (n > MAX_SIZE / mult || n * mult < shdict_min_capacity() ||
        n * mult > (unsigned long long)((size_t)-1))
        return -1;
    *size = (size_t)(n * mult);
    return 0;
}

/* next_word - the next space-separated word of *p: its start and length */
static const char *
next_word(const char **p, size_t *len)
{
    const char *s = *p, *w;

    while (isspace((unsigned char)*s))
        s++;
    w = s;
    while (*s != '\0' && !isspace((unsigned char)*s))
        s++;
    *len = (size_t)(s - w);
    *p = s;
    return w;
}

/* shdict_decl_parse - "NAME SIZE" into name (SHDICT_NAME_MAX + 1 bytes)
 * and size; -1 and what is wrong (without file, line or key) */
int
shdict_decl_parse(const char *value, char *name, size_t *size, char *err,
                  size_t errlen)
{
    const char *p = value, *w, *s;
    size_t wlen, slen, rest;

    w = next_word(&p, &wlen);
    s = next_word(&p, &slen);
    next_word(&p, &rest);
    if (wlen == 0 || slen == 0 || rest != 0) {
        snprintf(err, errlen, "expected 'NAME SIZE' (e.g. 'greylist 32M'), "
                 "got '%.80s'", value);
        return -1;
    }
    if (!valid_name(w, wlen)) {
        snprintf(err, errlen, "'%.*s' is not a dictionary name (a letter "
                 "or '_', then letters, digits or '_'; at most %d bytes)",
                 (int)(wlen > 80 ? 80 : wlen), w, SHDICT_NAME_MAX);
        return -1;
    }
    if (parse_size(s, slen, size) < 0) {
        snprintf(err, errlen, "'%.*s' is not a size from 8K to 1T (bytes, "
                 "or with a K, M or G suffix)", (int)(slen > 80 ? 80 : slen),
                 s);
        return -1;
    }
    memcpy(name, w, wlen);
    name[wlen] = '\0';
    return 0;
}

/* add_fail - the message of a bad line: "FILE:LINE: shared_dict: what"
 * when file is given, "what" alone otherwise */
static int
add_fail(char *err, size_t errlen, const char *file, int line,
         const char *what)
{
    if (file != NULL)
        snprintf(err, errlen, "%s:%d: shared_dict: %s", file, line, what);
    else
        snprintf(err, errlen, "%s", what);
    return -1;
}

/* shdict_decls_add - parse one `shared_dict` value into ds; file and line
 * (file may be NULL) name the line in messages and in ds */
int
shdict_decls_add(struct shdict_decls *ds, const char *value,
                 const char *file, int line, char *err, size_t errlen)
{
    struct shdict_decl d, *v;
    char what[512];
    size_t i;

    memset(&d, 0, sizeof d);
    if (shdict_decl_parse(value, d.name, &d.size, what, sizeof what) < 0)
        return add_fail(err, errlen, file, line, what);
    for (i = 0; i < ds->n; i++) {
        if (strcmp(ds->v[i].name, d.name) != 0)
            continue;
        snprintf(what, sizeof what, "'%s' is declared twice%s%s%s", d.name,
                 ds->v[i].where[0] != '\0' ? " (first at " : "",
                 ds->v[i].where, ds->v[i].where[0] != '\0' ? ")" : "");
        return add_fail(err, errlen, file, line, what);
    }
    if (ds->n == ds->cap) {
        size_t cap = ds->cap > 0 ? ds->cap * 2 : 4;

        v = realloc(ds->v, cap * sizeof *v);
        if (v == NULL)
            return add_fail(err, errlen, file, line, "out of memory");
        ds->v = v;
        ds->cap = cap;
    }
    if (file != NULL)
        snprintf(d.where, sizeof d.where, "%s:%d", file, line);
    ds->v[ds->n++] = d;
    return 0;
}

/* shdict_decls_free - release ds's list */
void
shdict_decls_free(struct shdict_decls *ds)
{
    free(ds->v);
    memset(ds, 0, sizeof *ds);
}

/* shdict_format_size - size as the config would say it (32M, 8K, 10000) */
void
shdict_format_size(size_t size, char *buf, size_t len)
{
    static const char units[] = "GMK";
    int i;

    for (i = 0; i < 3; i++) {
        size_t mult = (size_t)1 << (10 * (3 - i));

        if (size >= mult && size % mult == 0) {
            snprintf(buf, len, "%zu%c", size / mult, units[i]);
            return;
        }
    }
    snprintf(buf, len, "%zu", size);
}

/* say - log one formatted line through the set's logger */
static void
say(const struct shdict_set *s, int level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (s->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->log(s->log_ud, level, msg);
}

/* shdict_set_new - an empty set; new dictionaries get clock (NULL:
 * monotonic); log may be NULL */
struct shdict_set *
shdict_set_new(const struct shdict_clock *clock, shdict_log_fn log,
               void *log_ud)
{
    struct shdict_set *s = calloc(1, sizeof *s);

    if (s == NULL)
        return NULL;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return NULL;
    }
    if (clock != NULL && clock->now != NULL) {
        s->clock = *clock;
        s->has_clock = 1;
    }
    s->log = log;
    s->log_ud = log_ud;
    return s;
}

/* find_locked - the dictionary called name, or NULL (lock held) */
static struct shdict *
find_locked(struct shdict_set *s, const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (strlen(shdict_name(s->v[i])) == len &&
            memcmp(shdict_name(s->v[i]), name, len) == 0)
            return s->v[i];
    return NULL;
}

/* declared - whether ds declares name */
static const struct shdict_decl *
declared(const struct shdict_decls *ds, const char *name)
{
    size_t i;

    for (i = 0; i < ds->n; i++)
        if (strcmp(ds->v[i].name, name) == 0)
            return &ds->v[i];
    return NULL;
}

/* create_locked - add a new dictionary for decl; -1 if out of memory */
static int
create_locked(struct shdict_set *s, const struct shdict_decl *decl)
{
    struct shdict *d, **v;

    if (s->n == s->cap) {
        size_t cap = s->cap > 0 ? s->cap * 2 : 4;

        v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    d = shdict_new(decl->name, decl->size, s->has_clock ? &s->clock : NULL);
    if (d == NULL)
        return -1;
    s->v[s->n++] = d;
    return 0;
}

/* shdict_set_apply - make s match ds: create what is new, log what only a
 * restart can change (a resize, a removal) and keep it as it is; -1 and a
 * message if a dictionary could not be created (the others still are) */
int
shdict_set_apply(struct shdict_set *s, const struct shdict_decls *ds,
                 char *err, size_t errlen)
{
    const struct shdict_decl *decl;
    struct shdict *d;
    char have[32], want[32];
    size_t i;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    for (i = 0; i < s->n; i++) {
        d = s->v[i];
        decl = declared(ds, shdict_name(d));
        shdict_format_size(shdict_capacity(d), have, sizeof have);
        if (decl == NULL) {
            say(s, SHDICT_LOG_WARN, "shared_dict %s (%s) is no longer in "
                "the config: removing a dictionary takes a restart; it "
                "stays as it is", shdict_name(d), have);
        } else if (decl->size != shdict_capacity(d)) {
            shdict_format_size(decl->size, want, sizeof want);
            say(s, SHDICT_LOG_WARN, "shared_dict %s: resizing from %s to %s "
                "takes a restart; it stays at %s", shdict_name(d), have,
                want, have);
        }
    }
    for (i = 0; i < ds->n; i++) {
        decl = &ds->v[i];
        if (find_locked(s, decl->name, strlen(decl->name)) != NULL)
            continue;
        shdict_format_size(decl->size, want, sizeof want);
        if (create_locked(s, decl) < 0) {
            snprintf(err, errlen, "%s%sshared_dict %s: cannot create it "
                     "(%s): out of memory", decl->where,
                     decl->where[0] != '\0' ? ": " : "", decl->name, want);
            rc = -1;
            continue;
        }
        say(s, SHDICT_LOG_INFO, "shared_dict %s: created (%s)", decl->name,
            want);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* shdict_set_find - the dictionary called name[0..len), or NULL */
struct shdict *
shdict_set_find(struct shdict_set *s, const char *name, size_t len)
{
    struct shdict *d;

    pthread_mutex_lock(&s->lock);
    d = find_locked(s, name, len);
    pthread_mutex_unlock(&s->lock);
    return d;
}

/* shdict_set_at - the i-th dictionary (in creation order), or NULL */
struct shdict *
shdict_set_at(struct shdict_set *s, size_t i)
{
    struct shdict *d;

    pthread_mutex_lock(&s->lock);
    d = i < s->n ? s->v[i] : NULL;
    pthread_mutex_unlock(&s->lock);
    return d;
}

/* shdict_set_names - the names, comma-separated, into buf ("" if none) */
void
shdict_set_names(struct shdict_set *s, char *buf, size_t len)
{
    size_t i, at = 0;
    int w;

    if (len == 0)
        return;
    buf[0] = '\0';
    pthread_mutex_lock(&s->lock);
    for (i = 0; i < s->n && at < len; i++) {
        w = snprintf(buf + at, len - at, "%s%s", i > 0 ? ", " : "",
                     shdict_name(s->v[i]));
        if (w < 0)
            break;
        at += (size_t)w;
    }
    pthread_mutex_unlock(&s->lock);
}

/* shdict_set_free - release the set and its dictionaries */
void
shdict_set_free(struct shdict_set *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->n; i++)
        shdict_free(s->v[i]);
    free(s->v);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
