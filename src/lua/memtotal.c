/*
 * memtotal.c - the shared pool behind memory_total (see memtotal.h).
 */
#include "memtotal.h"

static size_t memtotal_cap;         /* memory_total, 0 = no limit */
static size_t memtotal_pool;        /* bytes reserved by all connections */

/* memtotal_set_limit - the cap, in bytes (0: none); applies at once */
void
memtotal_set_limit(size_t bytes)
{
    __atomic_store_n(&memtotal_cap, bytes, __ATOMIC_RELAXED);
}

/* memtotal_limit - the cap in bytes, 0 for none */
size_t
memtotal_limit(void)
{
    return __atomic_load_n(&memtotal_cap, __ATOMIC_RELAXED);
}

/* memtotal_reserved - bytes reserved by all connections now */
size_t
memtotal_reserved(void)
{
    return __atomic_load_n(&memtotal_pool, __ATOMIC_RELAXED);
}

/* take - add n bytes to the pool unless that passes the cap; 0 or -1 */
static int
take(size_t n)
{
    size_t cap = memtotal_limit();
    size_t now = __atomic_add_fetch(&memtotal_pool, n, __ATOMIC_RELAXED);

    if (cap != 0 && now > cap) {
        __atomic_sub_fetch(&memtotal_pool, n, __ATOMIC_RELAXED);
        return -1;
    }
    return 0;
}

/* memtotal_grow - raise the reservation *held to cover need bytes (a
 * whole number of chunks if the pool has room, else exactly need); -1,
 * leaving *held, if even that passes memory_total */
int
memtotal_grow(size_t *held, size_t need)
{
    size_t rounded = (need + MEMTOTAL_CHUNK - 1) / MEMTOTAL_CHUNK *
                     MEMTOTAL_CHUNK;

    if (need <= *held)
        return 0;
    if (take(rounded - *held) == 0) {
        *held = rounded;
        return 0;
    }
    if (take(need - *held) == 0) {
        *held = need;
        return 0;
    }
    return -1;
}

/* memtotal_shrink - lower the reservation *held to keep bytes */
void
memtotal_shrink(size_t *held, size_t keep)
{
    if (keep >= *held)
        return;
    __atomic_sub_fetch(&memtotal_pool, *held - keep, __ATOMIC_RELAXED);
    *held = keep;
}
