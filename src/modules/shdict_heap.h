/*
 * shdict_heap.h - the expiry heap of a shared dictionary: a binary
 * min-heap of entries ordered by expiry time, each entry knowing its slot,
 * so the next entry to expire is found in O(1) and any entry is removed or
 * re-keyed in O(log n).  The array is owned by the dictionary, which
 * accounts for its bytes; nothing here allocates except shdict_heap_resize.
 */
#ifndef LUAMILTER_SHDICT_HEAP_H
#define LUAMILTER_SHDICT_HEAP_H

#include <stddef.h>

#define SHDICT_NO_SLOT ((size_t)-1)     /* an entry that never expires */

/* what the heap needs of an entry */
struct shdict_timed {
    double expires;             /* seconds on the dictionary's clock */
    size_t slot;                /* index in the heap, or SHDICT_NO_SLOT */
};

struct shdict_heap {
    struct shdict_timed **at;
    size_t n, cap;
};

int shdict_heap_resize(struct shdict_heap *h, size_t cap);
void shdict_heap_push(struct shdict_heap *h, struct shdict_timed *t);
void shdict_heap_remove(struct shdict_heap *h, struct shdict_timed *t);
void shdict_heap_fix(struct shdict_heap *h, struct shdict_timed *t);
void shdict_heap_take(struct shdict_heap *h, struct shdict_timed *old,
                      struct shdict_timed *t);

/* shdict_heap_top - the entry that expires first, or NULL */
static inline struct shdict_timed *
shdict_heap_top(const struct shdict_heap *h)
{
    return h->n > 0 ? h->at[0] : NULL;
}

#endif
