/* unit_shdict.c - the shared dictionaries: the core (values, expiry on a
 * clock the test moves, incr, eviction, accounting, the sweep), the set
 * (declarations, reload), the housekeeping thread, and the Lua binding
 * driven through bare lua_States, from one thread and from eight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shdict.h"
#include "shdict_hash.h"
#include "shdict_keeper.h"
#include "shdict_lua.h"
#include "shdict_region.h"
#include "shdict_set.h"
#include "shdict_lstate.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

/* the clock the tests move, in nanoseconds (read from any thread) */
static long long test_ns = 1000000000000LL;

/* test_now - the moved clock, in seconds */
static double
test_now(void *ud)
{
    (void)ud;
    return (double)__atomic_load_n(&test_ns, __ATOMIC_ACQUIRE) / 1e9;
}

/* advance - move the test clock forward */
static void
advance(double seconds)
{
    __atomic_add_fetch(&test_ns, (long long)(seconds * 1e9),
                       __ATOMIC_ACQ_REL);
}

static const struct shdict_clock moved_clock = {test_now, NULL};

/* str_value - a string value */
static struct shdict_value
str_value(const char *s, size_t len)
{
    struct shdict_value v;

    memset(&v, 0, sizeof v);
    v.type = SHDICT_STRING;
    v.str = s;
    v.len = len;
    return v;
}

/* int_value - an integer value */
static struct shdict_value
int_value(long long i)
{
    struct shdict_value v;

    memset(&v, 0, sizeof v);
    v.type = SHDICT_INTEGER;
    v.i = i;
    return v;
}

/* put - set key to a string, asserting success; returns forcible */
static int
put(struct shdict *d, const char *key, const char *val, double ttl)
{
    struct shdict_value v = str_value(val, strlen(val));
    int forcible = -1;

    assert_int_equal(shdict_store(d, SHDICT_SET, key, strlen(key), &v, ttl,
                                  &forcible), SHDICT_OK);
    return forcible;
}

/* has - whether key is there (live) */
static int
has(struct shdict *d, const char *key)
{
    struct shdict_value v;
    char buf[4096];
    int rc;

    rc = shdict_get(d, key, strlen(key), &v, buf, sizeof buf);
    return rc == SHDICT_OK || rc == SHDICT_NEEDBUF;
}

/* assert_accounted - bytes in use never pass the capacity */
static void
assert_accounted(struct shdict *d)
{
    struct shdict_stats st;

    shdict_stats(d, &st);
    assert_true(st.bytes <= shdict_capacity(d));
    assert_int_equal(shdict_free_space(d), shdict_capacity(d) - st.bytes);
}

/* test_siphash - the published SipHash-2-4 vectors (key 00..0f) */
static void
test_siphash(void **state)
{
    struct shdict_hash_key k = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    unsigned char msg[15];
    int i;

    (void)state;
    for (i = 0; i < 15; i++)
        msg[i] = (unsigned char)i;
    assert_true(shdict_hash(&k, msg, 0) == 0x726fdb47dd0e0e31ULL);
    assert_true(shdict_hash(&k, msg, 1) == 0x74f839c593dc67fdULL);
    assert_true(shdict_hash(&k, msg, 15) == 0xa129ca6149be45e5ULL);
}

/* a block of test_region */
struct block {
    unsigned char *p;
    size_t n;
    unsigned char fill;
};

/* block_check - the block still holds its fill byte everywhere */
static void
block_check(const struct block *b)
{
    size_t i;

    for (i = 0; i < b->n; i++)
        if (b->p[i] != b->fill)
            fail_msg("block %p+%zu: overwritten", (void *)b->p, i);
}

/* test_region - random allocations and frees never overlap, stay inside
 * the region, and once all are freed the pages merge back into the
 * biggest run (on a region that is not a power of two) */
static void
test_region(void **state)
{
    size_t bytes = 37 * SHDICT_PAGE + 100, total = 0;
    struct shdict_region *r = shdict_region_new(bytes);
    struct block live[400];
    unsigned int seed = 7;
    size_t nlive = 0, k, i;
    unsigned char *lo, *hi;
    void *p;

    (void)state;
    assert_non_null(r);
    assert_int_equal(shdict_region_size(r), 37 * SHDICT_PAGE);
    assert_int_equal(shdict_region_max_alloc(r), 32 * SHDICT_PAGE);
    assert_null(shdict_region_alloc(r, 32 * SHDICT_PAGE + 1));
    p = shdict_region_alloc(r, 1);
    lo = hi = p;
    assert_non_null(p);
    shdict_region_release(r, p);
    assert_int_equal(shdict_region_used(r), 0);
    for (k = 0; k < 20000; k++) {
        if (nlive > 0 && (nlive == 400 || rand_r(&seed) % 2 == 0)) {
            i = (size_t)rand_r(&seed) % nlive;
            block_check(&live[i]);
            shdict_region_release(r, live[i].p);
            live[i] = live[--nlive];
            continue;
        }
        live[nlive].n = rand_r(&seed) % 8 == 0
                            ? 1 + (size_t)rand_r(&seed) % (5 * SHDICT_PAGE)
                            : 1 + (size_t)rand_r(&seed) % 2048;
        live[nlive].p = shdict_region_alloc(r, live[nlive].n);
        if (live[nlive].p == NULL)
            continue;
        if (live[nlive].p < lo)
            lo = live[nlive].p;
        if (live[nlive].p + live[nlive].n > hi)
            hi = live[nlive].p + live[nlive].n;
        assert_true((size_t)(hi - lo) <= shdict_region_size(r));
        assert_int_equal((uintptr_t)live[nlive].p % 8, 0);
        live[nlive].fill = (unsigned char)rand_r(&seed);
        memset(live[nlive].p, live[nlive].fill, live[nlive].n);
        total++;
        nlive++;
        assert_true(shdict_region_used(r) <= shdict_region_size(r));
    }
    assert_true(total > 5000);
    while (nlive > 0) {
        block_check(&live[--nlive]);
        shdict_region_release(r, live[nlive].p);
    }
    assert_int_equal(shdict_region_used(r), 0);
    p = shdict_region_alloc(r, 32 * SHDICT_PAGE);   /* all merged again */
    assert_non_null(p);
    assert_non_null(shdict_region_alloc(r, 4 * SHDICT_PAGE));
    assert_non_null(shdict_region_alloc(r, SHDICT_PAGE));
    assert_null(shdict_region_alloc(r, SHDICT_PAGE));
    shdict_region_reset(r);
    assert_int_equal(shdict_region_used(r), 0);
    assert_non_null(shdict_region_alloc(r, 32 * SHDICT_PAGE));
    shdict_region_free(r);
    assert_null(shdict_region_new(100));
}

/* test_values - every type in and out; bytes kept; set/add/replace */
static void
test_values(void **state)
{
    struct shdict *d = shdict_new("t", 64 * 1024, &moved_clock);
    struct shdict_value v, got;
    char buf[64];
    int forcible;

    (void)state;
    assert_non_null(d);
    assert_string_equal(shdict_name(d), "t");
    v = str_value("a\0b\xff", 4);
    assert_int_equal(shdict_store(d, SHDICT_SET, "k\0x", 3, &v, 0, &forcible),
                     SHDICT_OK);
    assert_int_equal(forcible, 0);
    assert_int_equal(shdict_get(d, "k\0x", 3, &got, buf, sizeof buf),
                     SHDICT_OK);
    assert_int_equal(got.type, SHDICT_STRING);
    assert_int_equal(got.len, 4);
    assert_memory_equal(got.str, "a\0b\xff", 4);
    assert_int_equal(shdict_get(d, "k", 1, &got, buf, sizeof buf),
                     SHDICT_NOTFOUND);
    assert_int_equal(shdict_get(d, "k\0x", 3, &got, buf, 2), SHDICT_NEEDBUF);
    assert_int_equal(got.len, 4);
    v = int_value(-42);
    shdict_store(d, SHDICT_SET, "i", 1, &v, 0, &forcible);
    shdict_get(d, "i", 1, &got, buf, sizeof buf);
    assert_int_equal(got.type, SHDICT_INTEGER);
    assert_true(got.i == -42);
    memset(&v, 0, sizeof v);
    v.type = SHDICT_NUMBER;
    v.n = 2.5;
    shdict_store(d, SHDICT_SET, "n", 1, &v, 0, &forcible);
    shdict_get(d, "n", 1, &got, buf, sizeof buf);
    assert_int_equal(got.type, SHDICT_NUMBER);
    assert_true(got.n == 2.5);
    v.type = SHDICT_BOOLEAN;
    v.b = 0;
    shdict_store(d, SHDICT_SET, "b", 1, &v, 0, &forcible);
    shdict_get(d, "b", 1, &got, buf, sizeof buf);
    assert_int_equal(got.type, SHDICT_BOOLEAN);
    assert_int_equal(got.b, 0);
    v = int_value(1);
    assert_int_equal(shdict_store(d, SHDICT_ADD, "i", 1, &v, 0, &forcible),
                     SHDICT_EXISTS);
    assert_int_equal(shdict_store(d, SHDICT_REPLACE, "none", 4, &v, 0,
                                  &forcible), SHDICT_NOTFOUND);
    assert_int_equal(shdict_store(d, SHDICT_ADD, "new", 3, &v, 0, &forcible),
                     SHDICT_OK);
    assert_int_equal(shdict_store(d, SHDICT_REPLACE, "new", 3, &v, 0,
                                  &forcible), SHDICT_OK);
    memset(&v, 0, sizeof v);
    assert_int_equal(shdict_store(d, SHDICT_SET, "new", 3, &v, 0, &forcible),
                     SHDICT_OK);
    assert_false(has(d, "new"));
    assert_int_equal(shdict_delete(d, "i", 1), SHDICT_OK);
    assert_int_equal(shdict_delete(d, "i", 1), SHDICT_NOTFOUND);
    assert_accounted(d);
    shdict_free(d);
}

/* test_expiry - ttl, expire, add/replace over expired entries, on the
 * moved clock */
static void
test_expiry(void **state)
{
    struct shdict *d = shdict_new("t", 64 * 1024, &moved_clock);
    struct shdict_value v = int_value(1);
    struct shdict_stats st;
    double left;
    int forcible;

    (void)state;
    put(d, "a", "x", 10);
    put(d, "forever", "y", 0);
    assert_int_equal(shdict_ttl(d, "a", 1, &left), SHDICT_OK);
    assert_true(fabs(left - 10) < 1e-6);
    assert_int_equal(shdict_ttl(d, "forever", 7, &left), SHDICT_OK);
    assert_true(left == 0);
    advance(9.5);
    assert_true(has(d, "a"));
    advance(0.5);
    assert_false(has(d, "a"));
    assert_int_equal(shdict_ttl(d, "a", 1, &left), SHDICT_NOTFOUND);
    assert_true(has(d, "forever"));
    assert_int_equal(shdict_expire(d, "forever", 7, 2), SHDICT_OK);
    assert_int_equal(shdict_ttl(d, "forever", 7, &left), SHDICT_OK);
    assert_true(fabs(left - 2) < 1e-6);
    assert_int_equal(shdict_expire(d, "forever", 7, 5), SHDICT_OK);
    assert_int_equal(shdict_expire(d, "forever", 7, 0), SHDICT_OK);
    advance(100);
    assert_true(has(d, "forever"));
    assert_int_equal(shdict_expire(d, "nothing", 7, 5), SHDICT_NOTFOUND);
    put(d, "b", "x", 1);
    advance(2);
    assert_int_equal(shdict_store(d, SHDICT_REPLACE, "b", 1, &v, 0, &forcible),
                     SHDICT_NOTFOUND);
    put(d, "c", "x", 1);
    advance(2);
    assert_int_equal(shdict_store(d, SHDICT_ADD, "c", 1, &v, 0.25, &forcible),
                     SHDICT_OK);
    assert_true(has(d, "c"));
    advance(0.25);
    assert_false(has(d, "c"));
    shdict_stats(d, &st);
    assert_true(st.expired >= 3);
    assert_int_equal(st.keys, 1);
    assert_accounted(d);
    shdict_free(d);
}

/* expired_op - one call on an expired key of test_chains; its result */
static int
expired_op(struct shdict *d, int op, const char *key)
{
    struct shdict_value one = int_value(1), out;
    char buf[64];
    double left;
    int forcible;

    switch (op) {
    case 0:
        return shdict_get(d, key, strlen(key), &out, buf, sizeof buf);
    case 1:
        return shdict_ttl(d, key, strlen(key), &left);
    case 2:
        return shdict_incr(d, key, strlen(key), &one, NULL, 0, &out,
                           &forcible);
    default:
        return shdict_expire(d, key, strlen(key), 5);
    }
}

/* test_chains - an expired entry found in a hash chain is dropped without
 * the call answering for the next key of the chain (keys in 64 to 128
 * buckets: chains of several keys are certain) */
static void
test_chains(void **state)
{
    struct shdict_value out;
    struct shdict *d;
    char key[32], buf[64];
    int op, i;

    (void)state;
    for (op = 0; op < 4; op++) {
        d = shdict_new("t", 256 * 1024, &moved_clock);
        for (i = 0; i < 40; i++) {
            snprintf(key, sizeof key, "x%d", i);
            put(d, key, "old", 1);
        }
        for (i = 0; i < 40; i++) {
            snprintf(key, sizeof key, "y%d", i);
            put(d, key, key, 0);
        }
        advance(2);
        for (i = 0; i < 40; i++) {
            snprintf(key, sizeof key, "x%d", i);
            if (expired_op(d, op, key) != SHDICT_NOTFOUND)
                fail_msg("op %d on expired %s found something", op, key);
        }
        for (i = 0; i < 40; i++) {
            snprintf(key, sizeof key, "y%d", i);
            assert_int_equal(shdict_get(d, key, strlen(key), &out, buf,
                                        sizeof buf), SHDICT_OK);
            assert_int_equal(out.type, SHDICT_STRING);
            assert_memory_equal(out.str, key, strlen(key));
        }
        shdict_free(d);
    }
}

/* test_incr - integers stay integers, floats, init + by, init_ttl only
 * when created, not found, not a number */
static void
test_incr(void **state)
{
    struct shdict *d = shdict_new("t", 64 * 1024, &moved_clock);
    struct shdict_value one = int_value(1), init = int_value(10), out, half;
    double left;
    int forcible;

    (void)state;
    assert_int_equal(shdict_incr(d, "c", 1, &one, NULL, 0, &out, &forcible),
                     SHDICT_NOTFOUND);
    assert_int_equal(shdict_incr(d, "c", 1, &one, &init, 60, &out, &forcible),
                     SHDICT_OK);
    assert_int_equal(out.type, SHDICT_INTEGER);
    assert_true(out.i == 11);
    advance(30);
    assert_int_equal(shdict_incr(d, "c", 1, &one, &init, 60, &out, &forcible),
                     SHDICT_OK);
    assert_true(out.i == 12);
    assert_int_equal(shdict_ttl(d, "c", 1, &left), SHDICT_OK);
    assert_true(fabs(left - 30) < 1e-6);        /* init_ttl did not reset it */
    advance(30);
    assert_int_equal(shdict_incr(d, "c", 1, &one, &init, 60, &out, &forcible),
                     SHDICT_OK);
    assert_true(out.i == 11);                   /* expired: created again */
    assert_int_equal(shdict_ttl(d, "c", 1, &left), SHDICT_OK);
    assert_true(fabs(left - 60) < 1e-6);
    memset(&half, 0, sizeof half);
    half.type = SHDICT_NUMBER;
    half.n = 0.5;
    shdict_incr(d, "c", 1, &half, NULL, 0, &out, &forcible);
    assert_int_equal(out.type, SHDICT_NUMBER);
    assert_true(out.n == 11.5);
    init = int_value(0x7fffffffffffffffLL);
    shdict_incr(d, "w", 1, &one, &init, 0, &out, &forcible);
    assert_true(out.i == (-0x7fffffffffffffffLL - 1));   /* wraps as Lua */
    put(d, "s", "text", 0);
    assert_int_equal(shdict_incr(d, "s", 1, &one, &init, 0, &out, &forcible),
                     SHDICT_NOTNUMBER);
    assert_accounted(d);
    shdict_free(d);
}

/* test_eviction - a full dictionary drops expired entries first (not
 * forcible), then the least recently used (forcible); an entry that can
 * never fit is "no memory"; the bytes stay within the capacity */
static void
test_eviction(void **state)
{
    struct shdict *d = shdict_new("t", 8 * 1024, &moved_clock);
    struct shdict_value big;
    struct shdict_stats st;
    char key[32], val[200], *huge;
    int i, forcible, n, forced;

    (void)state;
    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = '\0';
    for (i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "ttl%d", i);
        assert_int_equal(put(d, key, val, 5), 0);
    }
    for (n = 0, forced = 0; forced < 11; n++) {
        snprintf(key, sizeof key, "k%d", n);
        forced += put(d, key, val, 0);
        assert_accounted(d);
        if (n == 1)
            assert_true(has(d, "k0"));          /* k0 is now recent */
    }
    shdict_stats(d, &st);
    assert_int_equal(st.evictions, 11);         /* one entry per write */
    assert_int_equal(st.expired, 0);
    assert_false(has(d, "ttl0"));               /* live ttl entries are LRU */
    assert_false(has(d, "ttl9"));
    assert_true(has(d, "k0"));                  /* touched: kept */
    assert_false(has(d, "k1"));                 /* least recently used */
    /* now expired entries go first, without forcible */
    shdict_flush_all(d);
    for (i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "e%d", i);
        put(d, key, val, 1);
    }
    shdict_stats(d, &st);
    advance(2);
    for (i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "live%d", i);
        assert_int_equal(put(d, key, val, 0), 0);
    }
    shdict_stats(d, &st);
    assert_true(st.expired >= 1);
    huge = malloc(9000);
    memset(huge, 'h', 9000);
    big = str_value(huge, 9000);
    assert_int_equal(shdict_store(d, SHDICT_SET, "huge", 4, &big, 0, &forcible),
                     SHDICT_NOMEM);
    big.len = 7000;
    assert_int_equal(shdict_store(d, SHDICT_SET, "big", 3, &big, 0, &forcible),
                     SHDICT_OK);
    assert_int_equal(forcible, 1);
    assert_true(has(d, "big"));
    assert_accounted(d);
    shdict_flush_all(d);
    shdict_stats(d, &st);
    assert_int_equal(st.keys, 0);
    assert_false(has(d, "big"));
    assert_accounted(d);
    free(huge);
    shdict_free(d);
}

/* test_sweep - expired entries are freed in bounded steps, and their
 * bytes come back without a write */
static void
test_sweep(void **state)
{
    struct shdict *d = shdict_new("t", 1024 * 1024, &moved_clock);
    struct shdict_stats before, full, st;
    char key[32];
    int i;

    (void)state;
    shdict_stats(d, &before);
    for (i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(d, key, "value", 1 + (i % 10));
    }
    put(d, "stay", "value", 0);
    shdict_stats(d, &full);
    assert_true(full.bytes >= before.bytes + 1000 * 64);
    assert_int_equal(shdict_sweep(d, 100), 0);  /* nothing expired yet */
    advance(5.5);
    assert_int_equal(shdict_sweep(d, 100), 100);
    assert_int_equal(shdict_sweep(d, 1000), 400);
    advance(10);
    while (shdict_sweep(d, 64) == 64)
        ;
    shdict_stats(d, &st);
    assert_int_equal(st.keys, 1);
    assert_int_equal(st.expired, 1000);
    /* what is left: one entry, on one slab page */
    assert_true(st.bytes == before.bytes + 4096);
    assert_true(has(d, "stay"));
    shdict_free(d);
}

/* test_keeper - the housekeeping thread frees expired entries by itself */
static void
test_keeper(void **state)
{
    struct shdict_set *s = shdict_set_new(&moved_clock, NULL, NULL);
    struct shdict_decls ds = {0};
    struct shdict_keeper *k;
    struct shdict_stats st;
    struct shdict *d;
    char err[256], key[32];
    int i, waited, more;

    (void)state;
    assert_int_equal(shdict_decls_add(&ds, "g 8M", NULL, 0, err, sizeof err),
                     0);
    assert_int_equal(shdict_set_apply(s, &ds, err, sizeof err), 0);
    d = shdict_set_find(s, "g", 1);
    for (i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(d, key, "v", 1);
    }
    advance(2);
    assert_int_equal(shdict_set_sweep(s, 10, 2, 10, &more), 20);
    assert_int_equal(more, 1);                  /* stopped at steps */
    assert_int_equal(shdict_set_sweep(s, 10, 2, -1, &more), 0);
    assert_int_equal(more, 1);                  /* stopped at the time */
    k = shdict_housekeeper_start(s, 0.02);
    assert_non_null(k);
    advance(2);
    for (waited = 0; waited < 3000; waited++) {     /* 30 s at most */
        shdict_stats(d, &st);
        if (st.keys == 0)
            break;
        usleep(10000);
    }
    shdict_housekeeper_stop(k);
    shdict_stats(d, &st);
    assert_int_equal(st.keys, 0);
    assert_int_equal(st.expired, 20000);
    shdict_decls_free(&ds);
    shdict_set_free(s);
}

/* decl_bad - value is refused with a message containing needle */
static void
decl_bad(const char *value, const char *needle)
{
    struct shdict_decls ds = {0};
    char err[600];

    assert_int_equal(shdict_decls_add(&ds, value, "/etc/m.conf", 7, err,
                                      sizeof err), -1);
    if (strncmp(err, "/etc/m.conf:7: shared_dict: ", 28) != 0 ||
        strstr(err, needle) == NULL)
        fail_msg("'%s': '%s' lacks '%s'", value, err, needle);
    shdict_decls_free(&ds);
}

/* test_decls - `shared_dict = NAME SIZE` lines, good and bad */
static void
test_decls(void **state)
{
    struct shdict_decls ds = {0};
    char err[600], name[SHDICT_NAME_MAX + 1];
    size_t size;

    (void)state;
    assert_int_equal(shdict_decls_add(&ds, "greylist 32M", "f", 1, err,
                                      sizeof err), 0);
    assert_int_equal(shdict_decls_add(&ds, "  _rate2\t8k ", "f", 2, err,
                                      sizeof err), 0);
    assert_int_equal(shdict_decls_add(&ds, "big 1G", "f", 3, err, sizeof err),
                     0);
    assert_int_equal(shdict_decls_add(&ds, "bytes 10000", "f", 4, err,
                                      sizeof err), 0);
    assert_int_equal(ds.n, 4);
    assert_string_equal(ds.v[0].name, "greylist");
    assert_true(ds.v[0].size == 32u << 20);
    assert_string_equal(ds.v[1].name, "_rate2");
    assert_true(ds.v[1].size == 8u << 10);
    assert_true(ds.v[2].size == 1u << 30);
    assert_true(ds.v[3].size == 10000);
    assert_int_equal(shdict_decls_add(&ds, "greylist 1M", "f", 9, err,
                                      sizeof err), -1);
    assert_string_equal(err, "f:9: shared_dict: 'greylist' is declared twice "
                        "(first at f:1)");
    shdict_decls_free(&ds);
    decl_bad("", "expected 'NAME SIZE'");
    decl_bad("greylist", "expected 'NAME SIZE'");
    decl_bad("greylist 32M extra", "expected 'NAME SIZE'");
    decl_bad("1grey 32M", "'1grey' is not a dictionary name");
    decl_bad("grey-list 32M", "'grey-list' is not a dictionary name");
    decl_bad("g\xc3\xa9 32M", "is not a dictionary name");
    decl_bad("g 32X", "'32X' is not a size from 8K to 1T");
    decl_bad("g 32MB", "is not a size");
    decl_bad("g -1M", "is not a size");
    decl_bad("g 4K", "is not a size from 8K");
    decl_bad("g 2000G", "is not a size");
    decl_bad("g 99999999999999999999999", "is not a size");
    decl_bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             " 1M", "at most 64 bytes");
    assert_int_equal(shdict_decl_parse("g 1M", name, &size, err, sizeof err),
                     0);
    assert_int_equal(shdict_decl_parse("g", name, &size, err, sizeof err), -1);
    assert_null(strstr(err, "shared_dict:"));   /* a setter's message */
    shdict_format_size(32u << 20, name, sizeof name);
    assert_string_equal(name, "32M");
    shdict_format_size(10000, name, sizeof name);
    assert_string_equal(name, "10000");
}

static lua_State *new_state(struct shdict_set *set);
static void run(lua_State *L, const char *name, const char *code);

/* the log lines a set wrote */
static char logged[4096];

/* capture_log - a set's logger that keeps the lines */
static void
capture_log(void *ud, int level, const char *msg)
{
    size_t at = strlen(logged);

    (void)ud;
    snprintf(logged + at, sizeof logged - at, "%d %s\n", level, msg);
}

/* test_set_reload - a reload keeps data, creates added dictionaries, and
 * keeps (with a log line) removed and resized ones */
static void
test_set_reload(void **state)
{
    struct shdict_set *s = shdict_set_new(&moved_clock, capture_log, NULL);
    struct shdict_decls first = {0}, second = {0};
    struct shdict *a, *b;
    char err[600], names[128];
    lua_State *L;

    (void)state;
    logged[0] = '\0';
    shdict_decls_add(&first, "a 64K", "m.conf", 1, err, sizeof err);
    shdict_decls_add(&first, "b 16K", "m.conf", 2, err, sizeof err);
    shdict_decls_add(&first, "gone 8K", "m.conf", 3, err, sizeof err);
    assert_int_equal(shdict_set_apply(s, &first, err, sizeof err), 0);
    assert_non_null(strstr(logged, "3 shared_dict a: created (64K)"));
    a = shdict_set_find(s, "a", 1);
    b = shdict_set_find(s, "b", 1);
    assert_non_null(a);
    assert_null(shdict_set_find(s, "c", 1));
    put(a, "key", "kept", 0);
    logged[0] = '\0';
    shdict_decls_add(&second, "a 64K", "m.conf", 1, err, sizeof err);
    shdict_decls_add(&second, "b 32K", "m.conf", 2, err, sizeof err);
    shdict_decls_add(&second, "c 8K", "m.conf", 3, err, sizeof err);
    assert_int_equal(shdict_set_apply(s, &second, err, sizeof err), 0);
    assert_ptr_equal(shdict_set_find(s, "a", 1), a);
    assert_true(has(a, "key"));
    assert_ptr_equal(shdict_set_find(s, "b", 1), b);
    assert_true(shdict_capacity(b) == 16 * 1024);
    assert_non_null(shdict_set_find(s, "c", 1));
    assert_non_null(shdict_set_find(s, "gone", 4));
    assert_non_null(strstr(logged, "1 shared_dict b: resizing from 16K to "
                           "32K takes a restart; it stays at 16K"));
    assert_non_null(strstr(logged, "1 shared_dict gone (8K) is no longer in "
                           "the config: removing a dictionary takes a "
                           "restart; it stays as it is"));
    assert_non_null(strstr(logged, "3 shared_dict c: created (8K)"));
    assert_null(strstr(logged, "shared_dict a"));
    shdict_set_names(s, names, sizeof names);
    assert_string_equal(names, "a, b, gone, c");
    L = new_state(s);                   /* a state opened before a reload */
    run(L, "=before", "shared = require 'milter.shared'\n"
        "assert(shared.a:get('key') == 'kept')\n");
    shdict_decls_add(&second, "later 8K", "m.conf", 4, err, sizeof err);
    assert_int_equal(shdict_set_apply(s, &second, err, sizeof err), 0);
    run(L, "=after", "assert(shared.later:set('x', 1) == true)\n"
        "assert(shared.gone:capacity() == 8192)\n");
    lua_close(L);
    shdict_decls_free(&first);
    shdict_decls_free(&second);
    shdict_set_free(s);
}

/* l_advance - advance(seconds) for the Lua snippets */
static int
l_advance(lua_State *L)
{
    advance(luaL_checknumber(L, 1));
    return 0;
}

/* new_state - a test state bound to set, with advance() */
static lua_State *
new_state(struct shdict_set *set)
{
    lua_State *L = shdict_test_state(set);

    assert_non_null(L);
    lua_register(L, "advance", l_advance);
    return L;
}

/* run - run a Lua chunk, failing the test with its error */
static void
run(lua_State *L, const char *name, const char *code)
{
    if (luaL_loadbuffer(L, code, strlen(code), name) != LUA_OK ||
        lua_pcall(L, 0, 0, 0) != LUA_OK)
        fail_msg("%s", lua_tostring(L, -1));
}

/* lua_set - a set with dictionaries "greylist" (1M) and "small" (8K) */
static struct shdict_set *
lua_set(void)
{
    struct shdict_set *s = shdict_set_new(&moved_clock, NULL, NULL);
    struct shdict_decls ds = {0};
    char err[256];

    assert_non_null(s);
    shdict_decls_add(&ds, "greylist 1M", NULL, 0, err, sizeof err);
    shdict_decls_add(&ds, "small 8K", NULL, 0, err, sizeof err);
    assert_int_equal(shdict_set_apply(s, &ds, err, sizeof err), 0);
    shdict_decls_free(&ds);
    return s;
}

static const char lua_methods[] =
    "local shared = require 'milter.shared'\n"
    "local d = shared.greylist\n"
    "assert(tostring(d) == 'milter.shared.dict (greylist)')\n"
    "assert(getmetatable(d) == false and getmetatable(shared) == false)\n"
    "assert(d:get('x') == nil)\n"
    "local ok, forcible = d:set('s', 'a\\0b\\255')\n"
    "assert(ok == true and forcible == false)\n"
    "assert(d:get('s') == 'a\\0b\\255')\n"
    "d:set('i', 42); assert(math.type(d:get('i')) == 'integer')\n"
    "d:set('f', 1.5); assert(d:get('f') == 1.5)\n"
    "d:set('t', true); assert(d:get('t') == true)\n"
    "d:set('F', false); assert(d:get('F') == false)\n"
    "assert(d:set('i', nil) == true and d:get('i') == nil)\n"
    "local ok2, err = d:add('s', 'other')\n"
    "assert(ok2 == false and err == 'exists')\n"
    "assert(d:add('n', 'new') == true and d:get('n') == 'new')\n"
    "local ok3, err3 = d:replace('absent', 1)\n"
    "assert(ok3 == false and err3 == 'not found')\n"
    "assert(d:replace('n', 'newer') == true and d:get('n') == 'newer')\n"
    "local v, e = d:incr('c', 1)\n"
    "assert(v == nil and e == 'not found')\n"
    "assert(d:incr('c', 1, 10, 60) == 11)\n"
    "assert(math.type(d:incr('c', 2)) == 'integer')\n"
    "assert(d:incr('c', 0.5) == 13.5)\n"
    "local v2, e2 = d:incr('s', 1)\n"
    "assert(v2 == nil and e2 == 'not a number')\n"
    "assert(math.abs(d:ttl('c') - 60) < 1e-6)\n"
    "assert(d:ttl('s') == 0)\n"
    "local t, te = d:ttl('absent')\n"
    "assert(t == nil and te == 'not found')\n"
    "assert(d:expire('s', 0.5) == true)\n"
    "local x, xe = d:expire('absent', 1)\n"
    "assert(x == false and xe == 'not found')\n"
    "advance(0.5)\n"
    "assert(d:get('s') == nil)\n"
    "d:set('ttl', 'v', 2.5); advance(2.4); assert(d:get('ttl') == 'v')\n"
    "advance(0.1); assert(d:get('ttl') == nil)\n"
    "assert(d:delete('n') == true and d:get('n') == nil)\n"
    "assert(d:delete('n') == true)\n"
    "assert(d:capacity() == 1024 * 1024)\n"
    "assert(d:free_space() < d:capacity())\n"
    "d:flush_all()\n"
    "assert(d:get('c') == nil and #d:get_keys(0) == 0)\n"
    "for i = 1, 2000 do d:set('k' .. i, i) end\n"
    "assert(#d:get_keys() == 1024)\n"
    "assert(#d:get_keys(0) == 2000)\n"
    "local ks = d:get_keys(3)\n"
    "assert(#ks == 3 and ks[1] == 'k2000' and ks[3] == 'k1998')\n"
    "local st = d:stats()\n"
    "assert(st.keys == 2000 and st.bytes == d:capacity() - d:free_space())\n"
    "assert(st.evictions == 0 and st.expired >= 2)\n"
    "local big = string.rep('\\1\\2xyz', 20000)\n"
    "assert(d:set('big', big) == true and d:get('big') == big)\n"
    "local s = shared.small\n"
    "local okb, eb = s:set('toobig', string.rep('x', 9000))\n"
    "assert(okb == nil and eb == 'no memory')\n"
    "local oka, ea = s:add('toobig', string.rep('x', 9000))\n"
    "assert(oka == nil and ea == 'no memory')\n"
    "local forced = false\n"
    "for i = 1, 100 do\n"
    "  local ok4, f = s:set('e' .. i, string.rep('y', 300))\n"
    "  assert(ok4 == true); forced = forced or f\n"
    "end\n"
    "assert(forced == true and s:stats().evictions > 0)\n"
    "assert(s:get('e100') ~= nil and s:get('e1') == nil)\n"
    "local keys = {}\n"
    "for k in pairs(shared) do keys[#keys + 1] = k end\n"
    "table.sort(keys); assert(table.concat(keys, ',') == 'greylist,small')\n";

/* test_lua_methods - every method and its return values, from Lua */
static void
test_lua_methods(void **state)
{
    struct shdict_set *s = lua_set();
    lua_State *L = new_state(s);

    (void)state;
    run(L, "=methods", lua_methods);
    lua_close(L);
    shdict_set_free(s);
}

static const char lua_errors[] =
    "local shared = require 'milter.shared'\n"
    "local d = shared.greylist\n"
    "local function raises(needle, f, ...)\n"
    "  local ok, err = pcall(f, ...)\n"
    "  assert(not ok, 'no error, expected ' .. needle)\n"
    "  assert(tostring(err):find(needle, 1, true), tostring(err) ..\n"
    "         ' lacks ' .. needle)\n"
    "end\n"
    "raises(\"no dictionary 'nope' is declared (declared: greylist, small)\",\n"
    "       function() return shared.nope end)\n"
    "raises('named by strings', function() return shared[1] end)\n"
    "raises('read-only', function() shared.x = 1 end)\n"
    "raises('milter.shared.dict expected', d.get, 'x')\n"
    "raises('string expected, got number', d.get, d, 1)\n"
    "raises('string expected, got no value', d.get, d)\n"
    "raises('keys are at most 65536 bytes', d.set, d,\n"
    "       string.rep('k', 65537), 1)\n"
    "assert(d:set(string.rep('k', 65536), 1) == true)\n"
    "raises('a string, number or boolean expected, got table', d.set, d,\n"
    "       'k', {})\n"
    "raises('got function', d.set, d, 'k', print)\n"
    "raises('a value is needed', d.add, d, 'k')\n"
    "raises('a value is needed', d.replace, d, 'k', nil)\n"
    "raises('ttl must be 0 or more seconds', d.set, d, 'k', 1, -1)\n"
    "raises('ttl must be 0 or more seconds', d.set, d, 'k', 1, 0/0)\n"
    "raises('ttl must be 0 or more seconds', d.set, d, 'k', 1, math.huge)\n"
    "raises('number expected, got string', d.set, d, 'k', 1, '5')\n"
    "raises('number expected, got string', d.incr, d, 'k', '1')\n"
    "raises('number expected, got no value', d.incr, d, 'k')\n"
    "raises('number expected, got boolean', d.incr, d, 'k', 1, true)\n"
    "raises('ttl must be', d.incr, d, 'k', 1, 0, -5)\n"
    "raises('value expected', d.expire, d, 'k')\n"
    "raises('max must be 0 (all) or more', d.get_keys, d, -1)\n"
    "raises('number expected', d.get_keys, d, 'x')\n"
    "raises('attempt to index', function() d.field = 1 end)\n"
    "raises('milter.shared.dict expected', d.stats, {})\n";

/* test_lua_errors - every misuse raises an error that says what is wrong */
static void
test_lua_errors(void **state)
{
    struct shdict_set *s = lua_set();
    struct shdict_set *none = shdict_set_new(NULL, NULL, NULL);
    lua_State *L = new_state(s);

    (void)state;
    run(L, "=errors", lua_errors);
    lua_close(L);
    L = new_state(none);
    run(L, "=none", "local ok, err = pcall(function() return "
        "require('milter.shared').greylist end)\n"
        "assert(not ok and err:find(\"no dictionary 'greylist' is declared "
        "(none is: add 'shared_dict = NAME SIZE' to the config)\", 1, true),"
        " err)\n");
    lua_close(L);
    L = luaL_newstate();                        /* never bound */
    luaL_openlibs(L);
    luaL_requiref(L, "milter.shared", luaopen_milter_shared, 0);
    lua_pop(L, 1);
    run(L, "=unbound", "local ok, err = pcall(function() return "
        "require('milter.shared').x end)\nassert(not ok and "
        "err:find('none is', 1, true))\n");
    lua_close(L);
    shdict_set_free(none);
    shdict_set_free(s);
}

/* a Lua allocator that refuses allocations once armed */
struct refusing {
    int armed;
};

/* refusing_alloc - realloc, except that growth fails once armed */
static void *
refusing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct refusing *r = ud;

    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (r->armed && nsize > 4096 && nsize > (ptr != NULL ? osize : 0))
        return NULL;
    return realloc(ptr, nsize);
}

/* test_lua_memory_error - a memory error while a big value is read out
 * leaves no lock held and nothing leaked */
static void
test_lua_memory_error(void **state)
{
    struct shdict_set *s = lua_set();
    struct refusing r = {0};
    lua_State *L = lua_newstate(refusing_alloc, &r);
    struct shdict *d = shdict_set_find(s, "greylist", 8);

    (void)state;
    luaL_openlibs(L);
    shdict_lua_bind(L, s);
    luaL_requiref(L, "milter.shared", luaopen_milter_shared, 1);
    lua_pop(L, 1);
    run(L, "=fill", "shared = require 'milter.shared'\n"
        "assert(shared.greylist:set('big', string.rep('b', 100000)))\n");
    r.armed = 1;
    assert_int_not_equal(luaL_dostring(L, "return shared.greylist:get('big')"),
                         LUA_OK);
    assert_non_null(strstr(lua_tostring(L, -1), "not enough memory"));
    r.armed = 0;
    assert_true(has(d, "big"));                 /* the lock was released */
    run(L, "=after", "assert(#shared.greylist:get('big') == 100000)\n");
    lua_close(L);
    shdict_set_free(s);
}

/* one thread of the atomicity tests */
struct incr_thread {
    struct shdict_set *set;
    const char *code;
    int failed;
    char err[256];
};

/* incr_main - run code in a state of this thread's own */
static void *
incr_main(void *arg)
{
    struct incr_thread *t = arg;
    lua_State *L = shdict_test_state(t->set);

    lua_register(L, "advance", l_advance);
    if (luaL_dostring(L, t->code) != LUA_OK) {
        t->failed = 1;
        snprintf(t->err, sizeof t->err, "%s", lua_tostring(L, -1));
    }
    lua_close(L);
    return NULL;
}

#define THREADS 8

/* run_threads - code in THREADS threads at once, each its own state */
static void
run_threads(struct shdict_set *s, const char *code)
{
    struct incr_thread t[THREADS];
    pthread_t tid[THREADS];
    int i;

    for (i = 0; i < THREADS; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].set = s;
        t[i].code = code;
        assert_int_equal(pthread_create(&tid[i], NULL, incr_main, &t[i]), 0);
    }
    for (i = 0; i < THREADS; i++)
        pthread_join(tid[i], NULL);
    for (i = 0; i < THREADS; i++)
        if (t[i].failed)
            fail_msg("thread %d: %s", i, t[i].err);
}

/* test_threads_incr - 8 threads x 20000 incr of one key: no lost update */
static void
test_threads_incr(void **state)
{
    struct shdict_set *s = lua_set();
    struct shdict *d = shdict_set_find(s, "greylist", 8);
    struct shdict_value got;
    char buf[16];

    (void)state;
    run_threads(s, "local d = shared.greylist\n"
                "for i = 1, 20000 do d:incr('hits', 1, 0) end\n"
                "for i = 1, 2000 do d:set('own' .. i, i) d:get('own' .. i) end\n");
    assert_int_equal(shdict_get(d, "hits", 4, &got, buf, sizeof buf),
                     SHDICT_OK);
    assert_int_equal(got.type, SHDICT_INTEGER);
    assert_int_equal(got.i, THREADS * 20000);
    shdict_set_free(s);
}

/* test_threads_init_ttl - while time moves and the counter keeps
 * expiring, incr with init_ttl never leaves it without an expiry: each
 * thread checks after every incr that the key has a ttl */
static void
test_threads_init_ttl(void **state)
{
    struct shdict_set *s = lua_set();

    (void)state;
    run_threads(s, "local d = shared.greylist\n"
                "for i = 1, 20000 do\n"
                "  local n = d:incr('rate', 1, 0, 0.001)\n"
                "  assert(n and n >= 1)\n"
                "  local t = d:ttl('rate')\n"
                "  assert(t == nil or t > 0, 'a counter without expiry')\n"
                "  if i % 100 == 0 then advance(0.0005) end\n"
                "end\n");
    shdict_set_free(s);
}

/* rss_bytes - this process's resident set size */
static size_t
rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;

    assert_non_null(f);
    assert_int_equal(fscanf(f, "%lu %lu", &size, &resident), 2);
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* test_rss_bound - writing ten times its size of random entries into an
 * 8M dictionary grows the process by no more than 8M and a bounded
 * overhead (not under ASan, whose allocator keeps freed memory aside) */
static void
test_rss_bound(void **state)
{
    size_t cap = 8u << 20, written = 0, before, after;
    struct shdict *d;
    struct shdict_value v;
    unsigned int seed = 12345;
    char key[40], *val = malloc(4096);
    int forcible, i;

    (void)state;
    for (i = 0; i < 4096; i++)
        val[i] = (char)rand_r(&seed);
    before = rss_bytes();
    d = shdict_new("rss", cap, &moved_clock);
    while (written < 10 * cap) {
        size_t klen = (size_t)snprintf(key, sizeof key, "%u-%u",
                                       (unsigned)rand_r(&seed),
                                       (unsigned)written);
        size_t vlen = 1 + (size_t)rand_r(&seed) % 3000;

        v = str_value(val + rand_r(&seed) % 1000, vlen > 3000 ? 3000 : vlen);
        assert_int_equal(shdict_store(d, SHDICT_SET, key, klen, &v,
                                      rand_r(&seed) % 4 == 0 ? 0.5 : 0,
                                      &forcible), SHDICT_OK);
        written += klen + vlen;
        if (rand_r(&seed) % 64 == 0)
            advance(0.1);
        if (rand_r(&seed) % 512 == 0)
            shdict_sweep(d, 256);
    }
    assert_accounted(d);
    after = rss_bytes();
    print_message("rss grew by %zu KiB for an 8M dictionary (%zu KiB "
                  "written)\n", (after - before) / 1024, written / 1024);
    if (!UNDER_ASAN)
        assert_true(after - before <= cap + (cap / 2));
    shdict_free(d);
    free(val);
}

/* test_rss_bound_small - the same with the smallest entries (a short
 * key, a number, most with a ttl), where the index (hash table, expiry
 * heap) kept beside the region is biggest: 32 bytes per 80-byte entry */
static void
test_rss_bound_small(void **state)
{
    size_t cap = 8u << 20, before, after, n;
    struct shdict_value v;
    struct shdict_stats st;
    struct shdict *d;
    char key[16];
    int forcible;

    (void)state;
    before = rss_bytes();
    d = shdict_new("rss", cap, &moved_clock);
    for (n = 0; n < 10 * cap / 80; n++) {
        v = int_value((long long)n);
        snprintf(key, sizeof key, "%07zx", n);
        assert_int_equal(shdict_store(d, SHDICT_SET, key, 7, &v,
                                      n % 8 != 0 ? 3600 : 0, &forcible),
                         SHDICT_OK);
    }
    shdict_stats(d, &st);
    assert_true(st.keys > 90000);
    assert_accounted(d);
    after = rss_bytes();
    print_message("rss grew by %zu KiB for an 8M dictionary of %zu small "
                  "entries\n", (after - before) / 1024, st.keys);
    if (!UNDER_ASAN)
        assert_true(after - before <= cap + (cap / 2));
    shdict_free(d);
}

/* one writer of test_rss_bound_threads */
struct rss_writer {
    struct shdict *d;
    unsigned int seed;
    size_t bytes;               /* to write */
    const char *val;
};

/* rss_writer_main - write random entries until bytes are written */
static void *
rss_writer_main(void *arg)
{
    struct rss_writer *w = arg;
    struct shdict_value v;
    size_t written = 0, klen, vlen;
    char key[40];
    int forcible;

    while (written < w->bytes) {
        klen = (size_t)snprintf(key, sizeof key, "%u-%zu",
                                (unsigned)rand_r(&w->seed), written);
        vlen = 1 + (size_t)rand_r(&w->seed) % 3000;
        v = str_value(w->val + rand_r(&w->seed) % 1000, vlen);
        if (shdict_store(w->d, SHDICT_SET, key, klen, &v,
                         rand_r(&w->seed) % 4 == 0 ? 0.5 : 0,
                         &forcible) != SHDICT_OK)
            return w;
        written += klen + vlen;
    }
    return NULL;
}

/* test_rss_bound_threads - the same with 8 threads writing at once (each
 * allocating from its own malloc arena, freeing others' entries) */
static void
test_rss_bound_threads(void **state)
{
    size_t cap = 8u << 20, before, after;
    struct rss_writer w[THREADS];
    pthread_t tid[THREADS];
    struct shdict *d;
    unsigned int seed = 99;
    char *val = malloc(4096);
    void *res;
    int i;

    (void)state;
    for (i = 0; i < 4096; i++)
        val[i] = (char)rand_r(&seed);
    before = rss_bytes();
    d = shdict_new("rss", cap, &moved_clock);
    for (i = 0; i < THREADS; i++) {
        w[i].d = d;
        w[i].seed = (unsigned)i + 1;
        w[i].bytes = 10 * cap / THREADS;
        w[i].val = val;
        assert_int_equal(pthread_create(&tid[i], NULL, rss_writer_main,
                                        &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(tid[i], &res);
        assert_null(res);
    }
    assert_accounted(d);
    after = rss_bytes();
    print_message("rss grew by %zu KiB for an 8M dictionary written by %d "
                  "threads\n", (after - before) / 1024, THREADS);
    if (!UNDER_ASAN)
        assert_true(after - before <= cap + (cap / 2));
    shdict_free(d);
    free(val);
}

/* main - run the shared dictionary tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash),
        cmocka_unit_test(test_region),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_chains),
        cmocka_unit_test(test_incr),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_keeper),
        cmocka_unit_test(test_decls),
        cmocka_unit_test(test_set_reload),
        cmocka_unit_test(test_lua_methods),
        cmocka_unit_test(test_lua_errors),
        cmocka_unit_test(test_lua_memory_error),
        cmocka_unit_test(test_threads_incr),
        cmocka_unit_test(test_threads_init_ttl),
        cmocka_unit_test(test_rss_bound),
        cmocka_unit_test(test_rss_bound_threads),
        cmocka_unit_test(test_rss_bound_small),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
