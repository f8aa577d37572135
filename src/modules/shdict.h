/*
 * shdict.h - one shared dictionary: a byte-keyed store that outlives a
 * connection, shared by every connection's Lua state (the C core behind
 * require "milter.shared"; anchor: lua-nginx-module's ngx.shared.DICT).
 *
 * Keys are bytes (at most SHDICT_KEY_MAX); values are strings, integers,
 * floats or booleans, copied into the dictionary's own memory: a region
 * of its capacity (shdict_region.h), so its resident size stays within
 * capacity however many threads write, plus the malloc'd index (hash
 * table, expiry heap: at most 32 bytes per entry).  When a write does not
 * fit, expired entries go first, then the least recently used ones.
 *
 * Each dictionary has one mutex.  Critical sections are short and bounded
 * by the dictionary's size: no Lua call and no callback into the caller
 * runs under it (the clock is read before the lock is taken); what runs
 * is the index update, the region allocator, and the copy of the key and
 * value.  A failed allocation (region full even after evicting, or the
 * index cannot grow) leaves the dictionary consistent.
 *
 * Expiry times are read from the dictionary's clock (struct shdict_clock),
 * which tests replace to move time (milter.test's t:advance).
 */
#ifndef LUAMILTER_SHDICT_H
#define LUAMILTER_SHDICT_H

#include <stddef.h>
#include <stdint.h>

#define SHDICT_KEY_MAX 65536u           /* bytes in a key, at most */
#define SHDICT_NAME_MAX 64              /* bytes in a dictionary's name */

/* what a call reports */
enum shdict_status {
    SHDICT_OK = 0,
    SHDICT_NOMEM,           /* the entry cannot fit, or malloc failed */
    SHDICT_EXISTS,          /* add: a live entry is there */
    SHDICT_NOTFOUND,        /* absent or expired */
    SHDICT_NOTNUMBER,       /* incr on a value that is not a number */
    SHDICT_NEEDBUF          /* get/keys: the caller's buffer is too small */
};

/* the kinds of value */
enum shdict_type {
    SHDICT_NIL = 0,
    SHDICT_STRING,
    SHDICT_INTEGER,
    SHDICT_NUMBER,
    SHDICT_BOOLEAN
};

/* a value going in or coming out; str/len for strings only */
struct shdict_value {
    enum shdict_type type;
    long long i;                /* SHDICT_INTEGER */
    double n;                   /* SHDICT_NUMBER */
    int b;                      /* SHDICT_BOOLEAN */
    const char *str;            /* SHDICT_STRING: bytes (not terminated) */
    size_t len;
};

/* how store writes */
enum shdict_mode {
    SHDICT_SET,                 /* always */
    SHDICT_ADD,                 /* only when no live entry is there */
    SHDICT_REPLACE              /* only when a live entry is there */
};

/* the time in seconds that expiry follows; now must be thread-safe, never
 * go backwards and never call Lua (it runs on any thread, outside the
 * lock); now NULL means the monotonic clock */
struct shdict_clock {
    double (*now)(void *ud);
    void *ud;
};

/* counters for d:stats() */
struct shdict_stats {
    size_t bytes;               /* bytes of the region's pages in use */
    size_t keys;                /* entries held (unswept expired included) */
    uint64_t evictions;         /* live entries evicted to make room */
    uint64_t expired;           /* expired entries freed */
};

/* the calls a meter hears of (the Lua methods that touch entries) */
enum shdict_op {
    SHDICT_OP_GET = 0,
    SHDICT_OP_SET,
    SHDICT_OP_ADD,
    SHDICT_OP_REPLACE,
    SHDICT_OP_INCR,
    SHDICT_OP_DELETE,
    SHDICT_OP_TTL,
    SHDICT_OP_EXPIRE,
    SHDICT_OP_FLUSH_ALL,
    SHDICT_OP_GET_KEYS,
    SHDICT_OP_COUNT
};

/* who counts a dictionary's calls (its metrics): count runs after each
 * call, outside the lock, on the caller's thread, with the call's status
 * and whether it evicted a live entry; it must not block or call Lua.
 * The owner embeds this as its first member. */
struct shdict_meter {
    void (*count)(struct shdict_meter *m, enum shdict_op op, int status,
                  int forcible);
};

struct shdict;

void shdict_set_meter(struct shdict *d, struct shdict_meter *m);
struct shdict_meter *shdict_meter_of(const struct shdict *d);

struct shdict *shdict_new(const char *name, size_t capacity,
                          const struct shdict_clock *clock);
void shdict_free(struct shdict *d);
const char *shdict_name(const struct shdict *d);
size_t shdict_capacity(const struct shdict *d);
size_t shdict_min_capacity(void);
void shdict_set_clock(struct shdict *d, const struct shdict_clock *clock);

int shdict_get(struct shdict *d, const char *key, size_t klen,
               struct shdict_value *out, char *buf, size_t bufcap);
int shdict_store(struct shdict *d, enum shdict_mode mode, const char *key,
                 size_t klen, const struct shdict_value *v, double ttl,
                 int *forcible);
int shdict_incr(struct shdict *d, const char *key, size_t klen,
                const struct shdict_value *by,
                const struct shdict_value *init, double init_ttl,
                struct shdict_value *out, int *forcible);
int shdict_delete(struct shdict *d, const char *key, size_t klen);
int shdict_ttl(struct shdict *d, const char *key, size_t klen, double *left);
int shdict_expire(struct shdict *d, const char *key, size_t klen, double ttl);
void shdict_flush_all(struct shdict *d);
size_t shdict_free_space(struct shdict *d);
int shdict_keys(struct shdict *d, size_t max, char *buf, size_t bufcap,
                size_t *count, size_t *need);
void shdict_stats(struct shdict *d, struct shdict_stats *st);
size_t shdict_sweep(struct shdict *d, size_t max_entries);

/* shdict_keys packs each key as a 4-byte length (host order) then its
 * bytes; shdict_key_next walks that buffer */
const char *shdict_key_next(const char *p, const char **key, size_t *klen);

#endif
