/*
 * arena.h - a per-connection allocator for small Lua objects.
 *
 * A Lua state makes and frees thousands of small objects in its life and
 * frees them all at lua_close.  The arena serves sizes up to ARENA_MAX from
 * 8 KiB chunks with a free list per 16-byte size class, so creating and
 * closing a connection's state costs a few malloc calls instead of
 * hundreds; everything is released at once by arena_destroy.
 */
#ifndef LUAMILTER_ARENA_H
#define LUAMILTER_ARENA_H

#include <stddef.h>

#define ARENA_MAX 512
#define ARENA_CLASSES (ARENA_MAX / 16 + 1)

struct arena_chunk;

struct arena {
    char *cur;                          /* next free byte of the chunk */
    size_t left;                        /* bytes left in it */
    struct arena_chunk *chunks;
    void *free[ARENA_CLASSES];          /* freed blocks by size class */
};

void *arena_alloc(struct arena *a, size_t n);
void arena_free(struct arena *a, void *p, size_t n);
void arena_destroy(struct arena *a);

/* arena_class - the size class of n bytes (1..ARENA_CLASSES-1) */
#define arena_class(n) (((n) + 15) >> 4)

#endif
