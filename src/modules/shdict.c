/*
 * shdict.c - one shared dictionary (see shdict.h).
 *
 * An entry is one block of the dictionary's region (shdict_region.c):
 * header, key bytes, then a string value.  It sits in three structures
 * under the dictionary's lock: a hash chain (SipHash with a per-dictionary
 * key, power-of-two table, load factor 1), the LRU list (most recently
 * used first), and, when it has an expiry, the expiry min-heap.  The table
 * and the heap are malloc'd beside the region: 8 bytes per bucket and per
 * expiring entry, doubled at most.
 */
#include "shdict.h"
#include "shdict_hash.h"
#include "shdict_heap.h"
#include "shdict_region.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIRST_BUCKETS 64
#define FIRST_HEAP 16

/* the LRU links of an entry, and the list head */
struct lru_link {
    struct lru_link *next;      /* towards the least recently used */
    struct lru_link *prev;      /* towards the most recently used */
};

struct shdict_entry {
    struct shdict_timed timed;  /* the expiry heap's part */
    struct lru_link lru;
    struct shdict_entry *hnext; /* hash chain */
    uint64_t hash;
    size_t vlen;                /* string value bytes */
    uint32_t klen;
    unsigned char type;         /* enum shdict_type */
    union {
        long long i;
        double n;
        int b;
    } num;
    char bytes[];               /* key, then a string value */
};

struct shdict {
    char name[SHDICT_NAME_MAX + 1];
    size_t capacity;
    pthread_mutex_t lock;
    struct shdict_clock clock;
    struct shdict_hash_key hkey;
    struct shdict_entry **buckets;
    size_t nbuckets;            /* a power of two */
    size_t count;
    struct shdict_region *region;
    struct lru_link lru;        /* next: most recent; prev: least recent */
    struct shdict_heap heap;
    uint64_t evictions, expired;
    struct shdict_meter *meter;     /* atomic; NULL: nobody counts */
};

/* entry_of_lru - the entry around an LRU link */
static inline struct shdict_entry *
entry_of_lru(struct lru_link *l)
{
    return (struct shdict_entry *)((char *)l -
                                   offsetof(struct shdict_entry, lru));
}

/* entry_of_timed - the entry around its heap part (its first member) */
static inline struct shdict_entry *
entry_of_timed(struct shdict_timed *t)
{
    return (struct shdict_entry *)t;
}

/* monotonic_now - the default clock */
static double
monotonic_now(void *ud)
{
    struct timespec ts;

    (void)ud;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* read_clock - the dictionary's time now (called outside the lock) */
static double
read_clock(const struct shdict *d)
{
    return d->clock.now(d->clock.ud);
}

/* is_expired - whether e has expired at now */
static inline int
is_expired(const struct shdict_entry *e, double now)
{
    return e->timed.expires != 0 && e->timed.expires <= now;
}

/* lru_unlink - take e off the LRU list */
static inline void
lru_unlink(struct shdict_entry *e)
{
    e->lru.prev->next = e->lru.next;
    e->lru.next->prev = e->lru.prev;
}

/* lru_push_front - make e the most recently used */
static inline void
lru_push_front(struct shdict *d, struct shdict_entry *e)
{
    e->lru.next = d->lru.next;
    e->lru.prev = &d->lru;
    d->lru.next->prev = &e->lru;
    d->lru.next = &e->lru;
}

/* lru_touch - e was just used */
static inline void
lru_touch(struct shdict *d, struct shdict_entry *e)
{
    if (d->lru.next != &e->lru) {
        lru_unlink(e);
        lru_push_front(d, e);
    }
}

/* find_link - the link that points (or would point) at key's entry */
static struct shdict_entry **
find_link(struct shdict *d, uint64_t hash, const char *key, size_t klen)
{
    struct shdict_entry **link = &d->buckets[hash & (d->nbuckets - 1)];

    for (; *link != NULL; link = &(*link)->hnext) {
        struct shdict_entry *e = *link;

        if (e->hash == hash && e->klen == klen &&
            memcmp(e->bytes, key, klen) == 0)
            break;
    }
    return link;
}

/* link_of - the hash link that points at e */
static struct shdict_entry **
link_of(struct shdict *d, struct shdict_entry *e)
{
    struct shdict_entry **link = &d->buckets[e->hash & (d->nbuckets - 1)];

    while (*link != e)
        link = &(*link)->hnext;
    return link;
}

/* unlink_entry - take the entry at *link out of every structure and give
 * its memory back */
static void
unlink_entry(struct shdict *d, struct shdict_entry **link)
{
    struct shdict_entry *e = *link;

    *link = e->hnext;
    lru_unlink(e);
    if (e->timed.slot != SHDICT_NO_SLOT)
        shdict_heap_remove(&d->heap, &e->timed);
    d->count--;
    shdict_region_release(d->region, e);
}

/* drop_expired - unlink *link if it has expired at now; whether it did */
static int
drop_expired(struct shdict *d, struct shdict_entry **link, double now)
{
    if (*link == NULL || !is_expired(*link, now))
        return 0;
    unlink_entry(d, link);
    d->expired++;
    return 1;
}

/* live_at - the entry find_link found, or NULL when there is none or it
 * has expired (it is then dropped, and *link is another key's entry) */
static struct shdict_entry *
live_at(struct shdict *d, struct shdict_entry **link, double now)
{
    return drop_expired(d, link, now) ? NULL : *link;
}

/* pick_victim - the entry to evict next: an expired one first, then the
 * least recently used; never keep; NULL when none is left */
static struct shdict_entry *
pick_victim(struct shdict *d, const struct shdict_entry *keep, double now)
{
    struct shdict_timed *top = shdict_heap_top(&d->heap);
    struct lru_link *l;

    if (top != NULL && entry_of_timed(top) != keep &&
        is_expired(entry_of_timed(top), now))
        return entry_of_timed(top);
    for (l = d->lru.prev; l != &d->lru; l = l->prev)
        if (entry_of_lru(l) != keep)
            return entry_of_lru(l);
    return NULL;
}

/* evict - drop victim to make room, counting it */
static void
evict(struct shdict *d, struct shdict_entry *victim, double now,
      int *forcible)
{
    if (is_expired(victim, now)) {
        d->expired++;
    } else {
        d->evictions++;
        *forcible = 1;
    }
    unlink_entry(d, link_of(d, victim));
}

/* alloc_evicting - size bytes of the region, evicting expired entries,
 * then the least recently used, until they fit; *keep (the entry being
 * replaced) goes last, and is then set to NULL; NULL if even an empty
 * dictionary has no room */
static struct shdict_entry *
alloc_evicting(struct shdict *d, size_t size, struct shdict_entry **keep,
               double now, int *forcible)
{
    struct shdict_entry *e, *victim;

    if (size > shdict_region_max_alloc(d->region))
        return NULL;
    while ((e = shdict_region_alloc(d->region, size)) == NULL) {
        victim = pick_victim(d, *keep, now);
        if (victim == NULL && *keep == NULL)
            return NULL;
        if (victim != NULL) {
            evict(d, victim, now, forcible);
        } else {
            unlink_entry(d, link_of(d, *keep));     /* its own old value */
            *keep = NULL;
        }
    }
    return e;
}

/* heap_reserve - room in the expiry heap for slots more entries; -1 if
 * realloc fails */
static int
heap_reserve(struct shdict *d, size_t slots)
{
    size_t cap = d->heap.cap > 0 ? d->heap.cap : FIRST_HEAP;

    while (cap < d->heap.n + slots)
        cap *= 2;
    return cap == d->heap.cap ? 0 : shdict_heap_resize(&d->heap, cap);
}

/* heap_trim - halve a heap array that is mostly empty */
static void
heap_trim(struct shdict *d)
{
    if (d->heap.cap > FIRST_HEAP && d->heap.n < d->heap.cap / 4)
        shdict_heap_resize(&d->heap, d->heap.cap / 2);
}

/* grow_table - double the hash table when it holds more than one entry
 * per bucket; a failed calloc only keeps chains longer */
static void
grow_table(struct shdict *d)
{
    size_t nb = d->nbuckets * 2, i;
    struct shdict_entry **nt, *e, *next;

    if (d->count <= d->nbuckets)
        return;
    nt = calloc(nb, sizeof *nt);
    if (nt == NULL)
        return;
    for (i = 0; i < d->nbuckets; i++)
        for (e = d->buckets[i]; e != NULL; e = next) {
            next = e->hnext;
            e->hnext = nt[e->hash & (nb - 1)];
            nt[e->hash & (nb - 1)] = e;
        }
    free(d->buckets);
    d->buckets = nt;
    d->nbuckets = nb;
}

/* entry_fill - e holds key and v (not NIL), expiring at expires */
static void
entry_fill(struct shdict_entry *e, const char *key, size_t klen,
           uint64_t hash, const struct shdict_value *v, double expires)
{
    memset(e, 0, sizeof *e);
    e->timed.expires = expires;
    e->timed.slot = SHDICT_NO_SLOT;
    e->hash = hash;
    e->klen = (uint32_t)klen;
    e->type = (unsigned char)v->type;
    memcpy(e->bytes, key, klen);
    switch (v->type) {
    case SHDICT_STRING:
        e->vlen = v->len;
        if (v->len > 0)
            memcpy(e->bytes + klen, v->str, v->len);
        break;
    case SHDICT_INTEGER:
        e->num.i = v->i;
        break;
    case SHDICT_NUMBER:
        e->num.n = v->n;
        break;
    default:
        e->num.b = v->b;
        break;
    }
}

/* insert_locked - store key = v in place of key's entry (if any), making
 * room; if room cannot be made even by evicting the old entry itself,
 * SHDICT_NOMEM (and the old entry may be gone) */
static int
insert_locked(struct shdict *d, const char *key, size_t klen, uint64_t hash,
              const struct shdict_value *v, double expires, double now,
              int *forcible)
{
    struct shdict_entry **link, *old, *ne;
    size_t vlen = v->type == SHDICT_STRING ? v->len : 0;
    size_t size = sizeof(struct shdict_entry) + klen;

    if (vlen > (size_t)-1 - size)
        return SHDICT_NOMEM;
    size += vlen;
    old = *find_link(d, hash, key, klen);
    if (expires != 0 && heap_reserve(d, 1) < 0)
        return SHDICT_NOMEM;
    ne = alloc_evicting(d, size, &old, now, forcible);
    if (ne == NULL)
        return SHDICT_NOMEM;
    entry_fill(ne, key, klen, hash, v, expires);
    link = find_link(d, hash, key, klen);   /* evictions may have moved it */
    lru_push_front(d, ne);
    if (old == NULL) {
        ne->hnext = NULL;
        *link = ne;
        d->count++;
        if (expires != 0)
            shdict_heap_push(&d->heap, &ne->timed);
        grow_table(d);
        return SHDICT_OK;
    }
    if (is_expired(old, now))
        d->expired++;
    ne->hnext = old->hnext;
    *link = ne;
    lru_unlink(old);
    if (old->timed.slot != SHDICT_NO_SLOT && expires != 0)
        shdict_heap_take(&d->heap, &old->timed, &ne->timed);
    else if (old->timed.slot != SHDICT_NO_SLOT)
        shdict_heap_remove(&d->heap, &old->timed);
    else if (expires != 0)
        shdict_heap_push(&d->heap, &ne->timed);
    shdict_region_release(d->region, old);
    return SHDICT_OK;
}

/* shdict_min_capacity - the smallest capacity shdict_new takes */
size_t
shdict_min_capacity(void)
{
    return 2 * SHDICT_PAGE;
}

/* shdict_new - an empty dictionary of capacity bytes (its region: whole
 * pages of it); clock NULL means the monotonic clock; NULL if the name or
 * size is unusable or memory is short */
struct shdict *
shdict_new(const char *name, size_t capacity, const struct shdict_clock *clock)
{
    struct shdict *d;

    if (strlen(name) > SHDICT_NAME_MAX || capacity < shdict_min_capacity())
        return NULL;
    d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->buckets = calloc(FIRST_BUCKETS, sizeof *d->buckets);
    d->region = shdict_region_new(capacity);
    if (d->buckets == NULL || d->region == NULL ||
        pthread_mutex_init(&d->lock, NULL) != 0) {
        shdict_region_free(d->region);
        free(d->buckets);
        free(d);
        return NULL;
    }
    strcpy(d->name, name);
    d->capacity = capacity;
    d->nbuckets = FIRST_BUCKETS;
    d->lru.next = d->lru.prev = &d->lru;
    shdict_hash_key_random(&d->hkey);
    shdict_set_clock(d, clock);
    return d;
}

/* shdict_free - release d and everything in it (no other user left) */
void
shdict_free(struct shdict *d)
{
    if (d == NULL)
        return;
    shdict_region_free(d->region);
    free(d->buckets);
    free(d->heap.at);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

/* shdict_name - the declared name */
const char *
shdict_name(const struct shdict *d)
{
    return d->name;
}

/* shdict_capacity - the declared size in bytes */
size_t
shdict_capacity(const struct shdict *d)
{
    return d->capacity;
}

/* shdict_set_meter - who counts d's calls from now on (NULL: nobody) */
void
shdict_set_meter(struct shdict *d, struct shdict_meter *m)
{
    __atomic_store_n(&d->meter, m, __ATOMIC_RELEASE);
}

/* shdict_meter_of - who counts d's calls, or NULL */
struct shdict_meter *
shdict_meter_of(const struct shdict *d)
{
    return __atomic_load_n(&d->meter, __ATOMIC_ACQUIRE);
}

/* shdict_set_clock - the clock expiry follows (NULL: monotonic); set it
 * before other threads use d */
void
shdict_set_clock(struct shdict *d, const struct shdict_clock *clock)
{
    if (clock != NULL && clock->now != NULL) {
        d->clock = *clock;
    } else {
        d->clock.now = monotonic_now;
        d->clock.ud = NULL;
    }
}

/* shdict_get - key's value into out; a string's bytes are copied into buf
 * (SHDICT_NEEDBUF with out->len set when bufcap is too small) */
int
shdict_get(struct shdict *d, const char *key, size_t klen,
           struct shdict_value *out, char *buf, size_t bufcap)
{
    struct shdict_entry *e;
    uint64_t hash = shdict_hash(&d->hkey, key, klen);
    double now = read_clock(d);
    int rc = SHDICT_OK;

    pthread_mutex_lock(&d->lock);
    e = live_at(d, find_link(d, hash, key, klen), now);
    if (e == NULL) {
        rc = SHDICT_NOTFOUND;
    } else {
        out->type = (enum shdict_type)e->type;
        out->i = e->num.i;
        out->n = e->num.n;
        out->b = e->num.b;
        out->len = e->vlen;
        out->str = buf;
        if (e->type == SHDICT_STRING && e->vlen > bufcap)
            rc = SHDICT_NEEDBUF;
        else if (e->type == SHDICT_STRING && e->vlen > 0)
            memcpy(buf, e->bytes + e->klen, e->vlen);
        if (rc == SHDICT_OK)
            lru_touch(d, e);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* shdict_store - write key = v for ttl seconds (<= 0: no expiry) as mode
 * says; v NIL deletes; *forcible is set when live entries were evicted */
int
shdict_store(struct shdict *d, enum shdict_mode mode, const char *key,
             size_t klen, const struct shdict_value *v, double ttl,
             int *forcible)
{
    struct shdict_entry **link, *old;
    uint64_t hash = shdict_hash(&d->hkey, key, klen);
    double now = read_clock(d);
    int rc = SHDICT_OK, live;

    *forcible = 0;
    if (klen > SHDICT_KEY_MAX)
        return SHDICT_NOMEM;
    pthread_mutex_lock(&d->lock);
    link = find_link(d, hash, key, klen);
    old = *link;
    live = old != NULL && !is_expired(old, now);
    if (mode == SHDICT_ADD && live) {
        rc = SHDICT_EXISTS;
    } else if (mode == SHDICT_REPLACE && !live) {
        drop_expired(d, link, now);
        rc = SHDICT_NOTFOUND;
    } else if (v->type == SHDICT_NIL) {
        if (old != NULL && !drop_expired(d, link, now))
            unlink_entry(d, link);
    } else {
        rc = insert_locked(d, key, klen, hash, v, ttl > 0 ? now + ttl : 0,
                           now, forcible);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* num_add - r = a + b for numbers: integers stay integers (wrapping as
 * Lua's do), anything with a float gives a float */
static void
num_add(const struct shdict_value *a, const struct shdict_value *b,
        struct shdict_value *r)
{
    memset(r, 0, sizeof *r);
    if (a->type == SHDICT_INTEGER && b->type == SHDICT_INTEGER) {
        r->type = SHDICT_INTEGER;
        r->i = (long long)((unsigned long long)a->i +
                           (unsigned long long)b->i);
    } else {
        r->type = SHDICT_NUMBER;
        r->n = (a->type == SHDICT_INTEGER ? (double)a->i : a->n) +
               (b->type == SHDICT_INTEGER ? (double)b->i : b->n);
    }
}

/* incr_locked - add by to the live entry e in place */
static int
incr_locked(struct shdict *d, struct shdict_entry *e,
            const struct shdict_value *by, struct shdict_value *out)
{
    struct shdict_value cur;

    if (e->type != SHDICT_INTEGER && e->type != SHDICT_NUMBER)
        return SHDICT_NOTNUMBER;
    memset(&cur, 0, sizeof cur);
    cur.type = (enum shdict_type)e->type;
    cur.i = e->num.i;
    cur.n = e->num.n;
    num_add(&cur, by, out);
    e->type = (unsigned char)out->type;
    if (out->type == SHDICT_INTEGER)
        e->num.i = out->i;
    else
        e->num.n = out->n;
    lru_touch(d, e);
    return SHDICT_OK;
}

/* shdict_incr - add by to key's number; an absent key is created as
 * init + by expiring after init_ttl (<= 0: never), under the same lock
 * hold, when init is given (NULL: SHDICT_NOTFOUND) */
int
shdict_incr(struct shdict *d, const char *key, size_t klen,
            const struct shdict_value *by, const struct shdict_value *init,
            double init_ttl, struct shdict_value *out, int *forcible)
{
    struct shdict_entry *e;
    uint64_t hash = shdict_hash(&d->hkey, key, klen);
    double now = read_clock(d);
    int rc;

    *forcible = 0;
    if (klen > SHDICT_KEY_MAX)
        return init != NULL ? SHDICT_NOMEM : SHDICT_NOTFOUND;
    pthread_mutex_lock(&d->lock);
    e = live_at(d, find_link(d, hash, key, klen), now);
    if (e != NULL) {
        rc = incr_locked(d, e, by, out);
    } else if (init == NULL) {
        rc = SHDICT_NOTFOUND;
    } else {
        num_add(init, by, out);
        rc = insert_locked(d, key, klen, hash, out,
                           init_ttl > 0 ? now + init_ttl : 0, now, forcible);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* shdict_delete - remove key; SHDICT_NOTFOUND if it was not there */
int
shdict_delete(struct shdict *d, const char *key, size_t klen)
{
    struct shdict_entry **link;
    uint64_t hash = shdict_hash(&d->hkey, key, klen);
    double now = read_clock(d);
    int rc = SHDICT_NOTFOUND;

    pthread_mutex_lock(&d->lock);
    link = find_link(d, hash, key, klen);
    if (!drop_expired(d, link, now) && *link != NULL) {
        unlink_entry(d, link);
        rc = SHDICT_OK;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* shdict_ttl - the seconds key has left in *left (0: no expiry) */
int
shdict_ttl(struct shdict *d, const char *key, size_t klen, double *left)
{
    struct shdict_entry *e;
    uint64_t hash = shdict_hash(&d->hkey, key, klen);
    double now = read_clock(d);
    int rc = SHDICT_NOTFOUND;

    pthread_mutex_lock(&d->lock);
    e = live_at(d, find_link(d, hash, key, klen), now);
    if (e != NULL) {
        *left = e->timed.expires != 0 ? e->timed.expires - now : 0;
        rc = SHDICT_OK;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* shdict_expire - key now expires after ttl seconds (<= 0: never) */
int
shdict_expire(struct shdict *d, const char *key, size_t klen, double ttl)
{
    struct shdict_entry *e;
    uint64_t hash = shdict_hash(&d->hkey, key, klen);
    double now = read_clock(d);
    int rc = SHDICT_OK;

    pthread_mutex_lock(&d->lock);
    e = live_at(d, find_link(d, hash, key, klen), now);
    if (e == NULL) {
        rc = SHDICT_NOTFOUND;
    } else if (ttl <= 0) {
        if (e->timed.slot != SHDICT_NO_SLOT)
            shdict_heap_remove(&d->heap, &e->timed);
        e->timed.expires = 0;
    } else if (e->timed.slot != SHDICT_NO_SLOT) {
        e->timed.expires = now + ttl;
        shdict_heap_fix(&d->heap, &e->timed);
    } else if (heap_reserve(d, 1) < 0) {
        rc = SHDICT_NOMEM;
    } else {
        e->timed.expires = now + ttl;
        shdict_heap_push(&d->heap, &e->timed);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* shdict_flush_all - empty d, in O(pages) (the page table is zeroed) */
void
shdict_flush_all(struct shdict *d)
{
    pthread_mutex_lock(&d->lock);
    shdict_region_reset(d->region);
    memset(d->buckets, 0, d->nbuckets * sizeof *d->buckets);
    d->lru.next = d->lru.prev = &d->lru;
    d->heap.n = 0;
    d->count = 0;
    pthread_mutex_unlock(&d->lock);
}

/* shdict_free_space - the bytes of the region's pages not handed out */
size_t
shdict_free_space(struct shdict *d)
{
    size_t free_bytes;

    pthread_mutex_lock(&d->lock);
    free_bytes = shdict_region_size(d->region) -
                 shdict_region_used(d->region);
    pthread_mutex_unlock(&d->lock);
    return free_bytes;
}

/* shdict_keys - up to max live keys (0: all), most recently used first,
 * packed into buf (see shdict_key_next); SHDICT_NEEDBUF with *need set
 * when bufcap is too small */
int
shdict_keys(struct shdict *d, size_t max, char *buf, size_t bufcap,
            size_t *count, size_t *need)
{
    struct lru_link *l;
    struct shdict_entry *e;
    double now = read_clock(d);
    size_t bytes = 0, n = 0;
    uint32_t len;

    pthread_mutex_lock(&d->lock);
    for (l = d->lru.next; l != &d->lru && (max == 0 || n < max);
         l = l->next) {
        e = entry_of_lru(l);
        if (is_expired(e, now))
            continue;
        if (bytes + sizeof len + e->klen <= bufcap) {
            len = e->klen;
            memcpy(buf + bytes, &len, sizeof len);
            memcpy(buf + bytes + sizeof len, e->bytes, e->klen);
        }
        bytes += sizeof len + e->klen;
        n++;
    }
    pthread_mutex_unlock(&d->lock);
    *count = n;
    *need = bytes;
    return bytes <= bufcap ? SHDICT_OK : SHDICT_NEEDBUF;
}

/* shdict_key_next - the key at p in a shdict_keys buffer; returns the
 * next position */
const char *
shdict_key_next(const char *p, const char **key, size_t *klen)
{
    uint32_t len;

    memcpy(&len, p, sizeof len);
    *key = p + sizeof len;
    *klen = len;
    return p + sizeof len + len;
}

/* shdict_stats - the counters now */
void
shdict_stats(struct shdict *d, struct shdict_stats *st)
{
    pthread_mutex_lock(&d->lock);
    st->bytes = shdict_region_used(d->region);
    st->keys = d->count;
    st->evictions = d->evictions;
    st->expired = d->expired;
    pthread_mutex_unlock(&d->lock);
}

/* shdict_sweep - free up to max_entries expired entries (earliest first);
 * returns how many it freed */
size_t
shdict_sweep(struct shdict *d, size_t max_entries)
{
    struct shdict_timed *top;
    double now = read_clock(d);
    size_t n = 0;

    pthread_mutex_lock(&d->lock);
    while (n < max_entries && (top = shdict_heap_top(&d->heap)) != NULL &&
           is_expired(entry_of_timed(top), now)) {
        unlink_entry(d, link_of(d, entry_of_timed(top)));
        d->expired++;
        n++;
    }
    heap_trim(d);
    pthread_mutex_unlock(&d->lock);
    return n;
}
