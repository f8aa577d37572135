/* unit_arena.c - the small-object allocator of a connection's state
 * (arena.c): size classes, 16-byte alignment, blocks that never overlap
 * across chunks, freed blocks served again by class, and arena_destroy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"

#define BLOCKS 600              /* about 20 chunks of 8 KiB */

/* test_classes - sizes map to 16-byte classes up to ARENA_MAX */
static void
test_classes(void **state)
{
    (void)state;
    assert_int_equal(arena_class(1), 1);
    assert_int_equal(arena_class(16), 1);
    assert_int_equal(arena_class(17), 2);
    assert_int_equal(arena_class(32), 2);
    assert_int_equal(arena_class(ARENA_MAX), ARENA_CLASSES - 1);
}

/* size_of - a size between 1 and ARENA_MAX for block i */
static size_t
size_of(int i)
{
    return (size_t)(i * 37 % ARENA_MAX) + 1;
}

/* test_blocks_apart - many blocks of mixed sizes, each aligned, each
 * filled with its own byte: no block overwrites another */
static void
test_blocks_apart(void **state)
{
    static unsigned char *p[BLOCKS];
    struct arena a;
    size_t k;
    int i;

    (void)state;
    memset(&a, 0, sizeof a);
    for (i = 0; i < BLOCKS; i++) {
        p[i] = arena_alloc(&a, size_of(i));
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        memset(p[i], i & 0xff, size_of(i));
    }
    for (i = 0; i < BLOCKS; i++)
        for (k = 0; k < size_of(i); k++)
            if (p[i][k] != (i & 0xff))
                fail_msg("block %d (%zu bytes) overwritten at %zu", i,
                         size_of(i), k);
    arena_destroy(&a);
}

/* test_reuse_by_class - a freed block comes back for a size of its class,
 * last freed first, and not for another class */
static void
test_reuse_by_class(void **state)
{
    struct arena a;
    void *x, *y, *z;

    (void)state;
    memset(&a, 0, sizeof a);
    x = arena_alloc(&a, 40);
    y = arena_alloc(&a, 48);
    z = arena_alloc(&a, 100);
    arena_free(&a, x, 40);
    arena_free(&a, y, 48);
    assert_ptr_equal(arena_alloc(&a, 33), y);   /* class 3, last freed */
    assert_ptr_equal(arena_alloc(&a, 48), x);
    arena_free(&a, z, 100);
    assert_ptr_not_equal(arena_alloc(&a, 40), z);
    assert_ptr_equal(arena_alloc(&a, 112), z);  /* class 7 */
    arena_destroy(&a);
}

/* test_new_chunk - a block larger than what the chunk has left comes from
 * a new chunk */
static void
test_new_chunk(void **state)
{
    struct arena a;
    struct arena_chunk *first;

    (void)state;
    memset(&a, 0, sizeof a);
    assert_non_null(arena_alloc(&a, 16));
    first = a.chunks;
    assert_non_null(first);
    while (a.left >= ARENA_MAX)
        assert_non_null(arena_alloc(&a, ARENA_MAX));
    assert_ptr_equal(a.chunks, first);
    assert_non_null(arena_alloc(&a, ARENA_MAX));
    assert_ptr_not_equal(a.chunks, first);
    arena_destroy(&a);
}

/* test_destroy - every chunk released, the arena empty and usable again */
static void
test_destroy(void **state)
{
    struct arena a;
    void *p;
    int i;

    (void)state;
    memset(&a, 0, sizeof a);
    for (i = 0; i < BLOCKS; i++)
        arena_alloc(&a, size_of(i));
    p = arena_alloc(&a, 64);
    arena_free(&a, p, 64);
    arena_destroy(&a);
    assert_null(a.chunks);
    assert_null(a.free[arena_class(64)]);
    assert_int_equal(a.left, 0);
    assert_non_null(arena_alloc(&a, 64));
    arena_destroy(&a);
}

/* main - run the arena tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_blocks_apart),
        cmocka_unit_test(test_reuse_by_class),
        cmocka_unit_test(test_new_chunk),
        cmocka_unit_test(test_destroy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
