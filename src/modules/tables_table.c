/*
 * tables_table.c - loading a table file of any type, reference counts
 * (tables_table.h).
 */
#include "tables_impl.h"
#include "tables_line.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct table {
    enum table_type type;
    const struct table_ops *ops;
    void *impl;
    char *path;
    size_t rules;
    size_t longest;             /* no longer key can match */
    struct tfile_id id;
    int refs;
};

static const struct {
    const char *name;
    enum table_type type;
    const struct table_ops *ops;
} table_types[] = {
    {"texthash", TABLE_TEXTHASH, &texthash_ops},
    {"cidr", TABLE_CIDR, &cidr_ops},
    {"regexp", TABLE_REGEXP, &regexp_ops},
};
#define NTYPES (sizeof table_types / sizeof table_types[0])

static long alive;              /* versions built and not yet freed */

/* table_error - "PATH:LINE: message" into err */
void
table_error(char *err, size_t errlen, const char *path, int line,
            const char *fmt, ...)
{
    va_list ap;
    int n;

    if (errlen == 0)
        return;
    n = snprintf(err, errlen, "%s:%d: ", path, line);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* table_lines - call fn on each logical line of text; 0 at the end, -1
 * with err (from fn, or for an orphan continuation or no memory) */
int
table_lines(const char *path, const char *text, size_t len,
            table_line_fn fn, void *ctx, char *err, size_t errlen)
{
    struct tline tl;
    int first = 0, rc = 0;

    tline_init(&tl, text, len);
    for (;;) {
        enum tline_status st = tline_next(&tl, &first);

        if (st == TLINE_END)
            break;
        if (st == TLINE_NOMEM) {
            table_error(err, errlen, path, tl.lineno, "out of memory");
            rc = -1;
            break;
        }
        if (st == TLINE_ORPHAN) {
            table_error(err, errlen, path, first, "logical line must not "
                        "start with whitespace");
            rc = -1;
            break;
        }
        if (fn(ctx, tl.buf, first, path, err, errlen) < 0) {
            rc = -1;
            break;
        }
    }
    tline_free(&tl);
    return rc;
}

/* table_answer_reserve - room for n bytes and a NUL in ans->buf; -1 when
 * out of memory */
int
table_answer_reserve(struct table_answer *ans, size_t n)
{
    char *bigger;
    size_t cap;

    if (ans->cap > n)
        return 0;
    cap = ans->cap ? ans->cap : 64;
    while (cap <= n)
        cap *= 2;
    bigger = realloc(ans->buf, cap);
    if (bigger == NULL)
        return -1;
    ans->buf = bigger;
    ans->cap = cap;
    return 0;
}

/* table_type_name - "texthash", "cidr" or "regexp" */
const char *
table_type_name(enum table_type type)
{
    size_t i;

    for (i = 0; i < NTYPES; i++)
        if (table_types[i].type == type)
            return table_types[i].name;
    return "?";
}

/* table_spec_parse - split "TYPE:PATH"; path points into spec */
int
table_spec_parse(const char *spec, enum table_type *type, const char **path,
                 char *err, size_t errlen)
{
    const char *colon = strchr(spec, ':');
    size_t i, n;

    if (colon == NULL || colon == spec) {
        snprintf(err, errlen, "'%s' is not TYPE:PATH (texthash:, cidr: or "
                 "regexp: and a file)", spec);
        return -1;
    }
    n = (size_t)(colon - spec);
    for (i = 0; i < NTYPES; i++)
        if (strlen(table_types[i].name) == n
            && strncmp(table_types[i].name, spec, n) == 0)
            break;
    if (i == NTYPES) {
        snprintf(err, errlen, "unknown table type '%.*s' in '%s' (texthash, "
                 "cidr or regexp%s)", (int)n, spec, spec,
                 n == 4 && strncmp(spec, "hash", 4) == 0
                     ? "; hash: needs postmap's .db file, texthash: reads "
                       "the source file itself" : "");
        return -1;
    }
    if (colon[1] == '\0') {
        snprintf(err, errlen, "no file after '%.*s:'", (int)n, spec);
        return -1;
    }
    *type = table_types[i].type;
    *path = colon + 1;
    return 0;
}

/* ops_of - the operations of a type */
static const struct table_ops *
ops_of(enum table_type type)
{
    size_t i;

    for (i = 0; i < NTYPES; i++)
        if (table_types[i].type == type)
            return table_types[i].ops;
    return NULL;
}

/* build - parse text (writable, NUL-terminated, len bytes) into a table */
static struct table *
build(enum table_type type, const char *path, char *text, size_t len,
      char *err, size_t errlen)
{
    const struct table_ops *ops = ops_of(type);
    const char *nul;
    struct table *t;

    if (ops == NULL) {
        snprintf(err, errlen, "%s: unknown table type", path);
        return NULL;
    }
    nul = memchr(text, '\0', len);
    if (nul != NULL) {
        int line = 1;
        const char *p;

        for (p = text; p < nul; p++)
            line += *p == '\n';
        table_error(err, errlen, path, line, "a NUL byte (not a text file)");
        return NULL;
    }
    t = calloc(1, sizeof *t);
    if (t == NULL || (t->path = strdup(path)) == NULL) {
        free(t);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    t->type = type;
    t->ops = ops;
    t->refs = 1;
    t->impl = ops->parse(path, text, len, &t->rules, err, errlen);
    if (t->impl == NULL) {
        free(t->path);
        free(t);
        return NULL;
    }
    t->longest = ops->longest(t->impl);
    __atomic_add_fetch(&alive, 1, __ATOMIC_RELAXED);
    return t;
}

/* table_load - read and parse the table file at path; NULL and
 * "PATH[:LINE]: what is wrong" in err */
struct table *
table_load(enum table_type type, const char *path, const char *confine_dir,
           char *err, size_t errlen)
{
    struct tfile_id id;
    struct table *t;
    size_t len;
    char *text = tfile_read(path, confine_dir, &len, &id, err, errlen);

    if (text == NULL)
        return NULL;
    t = build(type, path, text, len, err, errlen);
    free(text);
    if (t != NULL)
        t->id = id;
    return t;
}

/* table_parse - a table from text in memory (path names it in errors) */
struct table *
table_parse(enum table_type type, const char *path, const char *text,
            size_t len, char *err, size_t errlen)
{
    char *copy = malloc(len + 1);
    struct table *t;

    if (copy == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    t = build(type, path, copy, len, err, errlen);
    free(copy);
    return t;
}

/* table_lookup - the result for key[0..len): a key holding a NUL byte
 * matches nothing (Postfix's keys are C strings); a key longer than any
 * that can match costs nothing (many long keys: lookup_domain's parents) */
enum table_status
table_lookup(const struct table *t, const char *key, size_t len,
             struct table_answer *ans, const struct table_limit *lim)
{
    if (len > t->longest || memchr(key, '\0', len) != NULL)
        return TABLE_MISS;
    return t->ops->lookup(t->impl, key, len, ans, lim);
}

/* table_ref - one more holder of t */
void
table_ref(struct table *t)
{
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

/* table_unref - one holder less; the last frees t */
void
table_unref(struct table *t)
{
    if (t == NULL || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    t->ops->free(t->impl);
    free(t->path);
    free(t);
    __atomic_sub_fetch(&alive, 1, __ATOMIC_RELAXED);
}

/* table_alive - how many table versions exist (loaded, not yet freed): a
 * figure for logs, and how tests see that no reference leaks */
long
table_alive(void)
{
    return __atomic_load_n(&alive, __ATOMIC_RELAXED);
}

/* table_type_of - the type of t */
enum table_type
table_type_of(const struct table *t)
{
    return t->type;
}

/* table_is_fixed - whether t matches fixed strings (texthash), so that
 * partial keys (parent domains, user@) are looked up in it, as Postfix
 * does only for DICT_FLAG_FIXED tables */
int
table_is_fixed(const struct table *t)
{
    return t->type == TABLE_TEXTHASH;
}

/* table_path - the file t was read from */
const char *
table_path(const struct table *t)
{
    return t->path;
}

/* table_rules - the number of entries or rules in t */
size_t
table_rules(const struct table *t)
{
    return t->rules;
}

/* table_file_id - the identity of the file version t was read from */
const struct tfile_id *
table_file_id(const struct table *t)
{
    return &t->id;
}
