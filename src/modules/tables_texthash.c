/*
 * tables_texthash.c - Postfix's texthash: table (postmap(1) input format).
 *
 * "key whitespace value" logical lines; the key ends at the first white
 * space outside double quotes (a backslash escapes the next byte) and is
 * kept as written, quotes included, as dict_thash does; the value is
 * stripped of surrounding white space.  Keys are folded to lower case
 * (ASCII) when stored and when looked up.
 *
 * Structure: key\0value\0 pairs in one arena, and an open-addressing hash
 * table of arena offsets with a per-table random seed, at most half full,
 * so a lookup hashes the key once and compares a few stored keys.
 */
#include "tables_impl.h"
#include "tables_line.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct th_slot {
    uint32_t off;               /* of key\0value\0 in the arena; 0: empty */
    uint32_t hash;              /* hash32 of the key */
};

struct texthash {
    char *arena;                /* starts with one unused byte */
    size_t used, cap;
    struct th_slot *slots;
    size_t mask;                /* slots - 1 (a power of two minus one) */
    uint64_t seed;
    size_t max_key;             /* longest key: longer ones cannot match */
    size_t count;               /* entries */
};

/* fold - ASCII lower case, as Postfix's lowercase() */
static inline unsigned char
fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* th_hash - seeded FNV-1a of the folded key, with a final mix */
static uint64_t
th_hash(uint64_t seed, const char *key, size_t len)
{
    uint64_t h = seed ^ 0xcbf29ce484222325ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= fold((unsigned char)key[i]);
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* new_seed - a random hash seed, so no list of keys can be made to collide */
static uint64_t
new_seed(void)
{
    uint64_t s;

    if (getrandom(&s, sizeof s, GRND_NONBLOCK) == (ssize_t)sizeof s)
        return s;
    return (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid()
           ^ (uint64_t)(uintptr_t)&s;
}

/* arena_add - append n bytes and a NUL; the offset, 0 when out of memory */
static uint32_t
arena_add(struct texthash *th, const char *s, size_t n)
{
    uint32_t off;

    if (th->cap - th->used < n + 1) {
        size_t cap = th->cap ? th->cap : 65536;
        char *bigger;

        while (cap - th->used < n + 1)
            cap *= 2;
        if (cap > UINT32_MAX)
            return 0;
        bigger = realloc(th->arena, cap);
        if (bigger == NULL)
            return 0;
        th->arena = bigger;
        th->cap = cap;
    }
    off = (uint32_t)th->used;
    memcpy(th->arena + th->used, s, n);
    th->arena[th->used + n] = '\0';
    th->used += n + 1;
    return off;
}

/* th_free - release a texthash */
static void
th_free(void *impl)
{
    struct texthash *th = impl;

    if (th == NULL)
        return;
    free(th->arena);
    free(th->slots);
    free(th);
}

/* split_line - cut line into key and value as dict_thash does; NULL value
 * with err for a bad line */
static char *
split_line(char *line, const char *path, int lineno, char *err,
           size_t errlen)
{
    char *v;
    int in_quotes = 0;
    size_t klen;

    for (v = line; *v; v++) {
        if (*v == '\\') {
            if (*++v == '\0')
                break;
        } else if (tline_isspace((unsigned char)*v)) {
            if (!in_quotes)
                break;
        } else if (*v == '"') {
            in_quotes = !in_quotes;
        }
    }
    if (in_quotes) {
        table_error(err, errlen, path, lineno, "unbalanced '\"' in '%s'",
                    line);
        return NULL;
    }
    if (*v)
        *v++ = '\0';
    while (tline_isspace((unsigned char)*v))
        v++;
    tline_trim_end(v);
    if (*line == '\0' || *v == '\0') {
        table_error(err, errlen, path, lineno,
                    "expected format: key whitespace value");
        return NULL;
    }
    klen = strlen(line);
    if (line[klen - 1] == ':') {
        table_error(err, errlen, path, lineno, "record is in \"key: value\" "
                    "format; is this an alias file?");
        return NULL;
    }
    return v;
}

/* hash32 - the 32 bits of a hash that slots keep and index by */
static inline uint32_t
hash32(uint64_t h)
{
    return (uint32_t)(h ^ (h >> 32));
}

/* find - the slot of key (folded compare), or the empty slot it would take */
static struct th_slot *
find(struct th_slot *slots, size_t mask, const char *arena, const char *key,
     size_t len, uint32_t h)
{
    size_t i = h & mask;

    for (;; i = (i + 1) & mask) {
        struct th_slot *s = &slots[i];
        const unsigned char *k;
        size_t j;

        if (s->off == 0)
            return s;
        if (s->hash != h)
            continue;
        k = (const unsigned char *)arena + s->off;
        for (j = 0; j < len && k[j] == fold((unsigned char)key[j]); j++)
            ;
        if (j == len && k[len] == '\0')
            return s;
    }
}

/* grow_slots - make the hash table (or double it when it is half full);
 * -1 when out of memory */
static int
grow_slots(struct texthash *th)
{
    size_t size = th->mask + 1, i;
    struct th_slot *slots;

    if (th->slots != NULL && 2 * (th->count + 1) <= size)
        return 0;
    size = th->slots != NULL ? size * 2 : 1024;
    slots = calloc(size, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (i = 0; th->slots != NULL && i <= th->mask; i++) {
        size_t j;

        if (th->slots[i].off == 0)
            continue;
        for (j = th->slots[i].hash & (size - 1); slots[j].off != 0;
             j = (j + 1) & (size - 1))
            ;
        slots[j] = th->slots[i];
    }
    free(th->slots);
    th->slots = slots;
    th->mask = size - 1;
    return 0;
}

/* insert - file the entry at off (its key already folded); 1 done, 0 a
 * duplicate key, -1 out of memory */
static int
insert(struct texthash *th, uint32_t off)
{
    const char *key = th->arena + off;
    size_t len = strlen(key);
    uint32_t h;
    struct th_slot *s;

    if (grow_slots(th) < 0)
        return -1;
    h = hash32(th_hash(th->seed, key, len));
    s = find(th->slots, th->mask, th->arena, key, len, h);
    if (s->off != 0)
        return 0;
    s->off = off;
    s->hash = h;
    th->count++;
    if (len > th->max_key)
        th->max_key = len;
    return 1;
}

/* th_line - one "key value" line into the table */
static int
th_line(void *ctx, char *line, int lineno, const char *path, char *err,
        size_t errlen)
{
    struct texthash *th = ctx;
    char *value = split_line(line, path, lineno, err, errlen);
    size_t klen, i;
    uint32_t off;
    int rc;

    if (value == NULL)
        return -1;
    klen = strlen(line);
    off = arena_add(th, line, klen);
    if (off == 0 || arena_add(th, value, strlen(value)) == 0)
        goto nomem;
    for (i = 0; i < klen; i++)
        th->arena[off + i] = (char)fold((unsigned char)line[i]);
    rc = insert(th, off);
    if (rc < 0)
        goto nomem;
    if (rc == 0) {
        table_error(err, errlen, path, lineno, "duplicate entry: \"%s\"",
                    line);
        return -1;
    }
    return 0;
nomem:
    table_error(err, errlen, path, lineno, "out of memory");
    return -1;
}

/* th_parse - a texthash from the file's text */
static void *
th_parse(const char *path, char *text, size_t len, size_t *rules, char *err,
         size_t errlen)
{
    struct texthash *th = calloc(1, sizeof *th);

    if (th != NULL) {
        (void)arena_add(th, "", 0);     /* offset 0 means "empty slot" */
        th->seed = new_seed();
    }
    if (th == NULL || th->arena == NULL || grow_slots(th) < 0) {
        table_error(err, errlen, path, 0, "out of memory");
        th_free(th);
        return NULL;
    }
    if (table_lines(path, text, len, th_line, th, err, errlen) < 0) {
        th_free(th);
        return NULL;
    }
    *rules = th->count;
    return th;
}

/* th_lookup - the value stored under key */
static enum table_status
th_lookup(const void *impl, const char *key, size_t len,
          struct table_answer *ans, const struct table_limit *lim)
{
    const struct texthash *th = impl;
    const struct th_slot *s;
    const char *k;

    (void)lim;
    if (len > th->max_key || len == 0)
        return TABLE_MISS;
    s = find(th->slots, th->mask, th->arena, key, len,
             hash32(th_hash(th->seed, key, len)));
    if (s->off == 0)
        return TABLE_MISS;
    k = th->arena + s->off;
    ans->value = k + len + 1;
    ans->len = strlen(ans->value);
    return TABLE_FOUND;
}

/* th_longest - the longest key stored */
static size_t
th_longest(const void *impl)
{
    return ((const struct texthash *)impl)->max_key;
}

const struct table_ops texthash_ops = {th_parse, th_longest, th_lookup,
                                       th_free};
