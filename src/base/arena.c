/*
 * arena.c - small-object allocator of a connection's Lua state (arena.h).
 */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 8192

struct arena_chunk {
    struct arena_chunk *next;
    /* the memory follows, 16-byte aligned */
};

#define CHUNK_HEADER 16

/* arena_alloc - n (1..ARENA_MAX) bytes, 16-byte aligned; NULL if out of memory */
void *
arena_alloc(struct arena *a, size_t n)
{
    size_t cls = arena_class(n), size = cls << 4;
    void *p = a->free[cls];

    if (p != NULL) {
        a->free[cls] = *(void **)p;
        return p;
    }
    if (a->left < size) {
        struct arena_chunk *c = malloc(ARENA_CHUNK);
        if (c == NULL)
            return NULL;
        c->next = a->chunks;
        a->chunks = c;
        a->cur = (char *)c + CHUNK_HEADER;
        a->left = ARENA_CHUNK - CHUNK_HEADER;
    }
    p = a->cur;
    a->cur += size;
    a->left -= size;
    return p;
}

/* arena_free - give back a block of n bytes */
void
arena_free(struct arena *a, void *p, size_t n)
{
    size_t cls = arena_class(n);

    *(void **)p = a->free[cls];
    a->free[cls] = p;
}

/* arena_destroy - release every chunk */
void
arena_destroy(struct arena *a)
{
    struct arena_chunk *c = a->chunks, *next;

    for (; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    memset(a, 0, sizeof *a);
}
