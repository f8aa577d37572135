/*
 * shdict_heap.c - the expiry min-heap (see shdict_heap.h).
 */
#include "shdict_heap.h"

#include <stdlib.h>

/* place - put t at slot i */
static inline void
place(struct shdict_heap *h, size_t i, struct shdict_timed *t)
{
    h->at[i] = t;
    t->slot = i;
}

/* sift_up - move the entry at i towards the root while it is earlier
 * than its parent */
static void
sift_up(struct shdict_heap *h, size_t i)
{
    struct shdict_timed *t = h->at[i];
    size_t parent;

    while (i > 0) {
        parent = (i - 1) / 2;
        if (h->at[parent]->expires <= t->expires)
            break;
        place(h, i, h->at[parent]);
        i = parent;
    }
    place(h, i, t);
}

/* sift_down - move the entry at i towards the leaves while a child is
 * earlier */
static void
sift_down(struct shdict_heap *h, size_t i)
{
    struct shdict_timed *t = h->at[i];
    size_t child;

    for (;;) {
        child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n &&
            h->at[child + 1]->expires < h->at[child]->expires)
            child++;
        if (t->expires <= h->at[child]->expires)
            break;
        place(h, i, h->at[child]);
        i = child;
    }
    place(h, i, t);
}

/* shdict_heap_resize - make room for cap entries (cap >= n); -1 if
 * realloc fails, with the heap unchanged */
int
shdict_heap_resize(struct shdict_heap *h, size_t cap)
{
    struct shdict_timed **at;

    if (cap < h->n)
        return -1;
    if (cap == 0) {
        free(h->at);
        h->at = NULL;
        h->cap = 0;
        return 0;
    }
    at = realloc(h->at, cap * sizeof *at);
    if (at == NULL)
        return -1;
    h->at = at;
    h->cap = cap;
    return 0;
}

/* shdict_heap_push - add t (there must be room: n < cap) */
void
shdict_heap_push(struct shdict_heap *h, struct shdict_timed *t)
{
    place(h, h->n++, t);
    sift_up(h, t->slot);
}

/* shdict_heap_fix - restore the order after t->expires changed */
void
shdict_heap_fix(struct shdict_heap *h, struct shdict_timed *t)
{
    size_t i = t->slot;

    sift_up(h, i);
    if (h->at[i] == t)
        sift_down(h, i);
}

/* shdict_heap_remove - take t out of the heap */
void
shdict_heap_remove(struct shdict_heap *h, struct shdict_timed *t)
{
    size_t i = t->slot;
    struct shdict_timed *last;

    t->slot = SHDICT_NO_SLOT;
    last = h->at[--h->n];
    if (last == t)
        return;
    place(h, i, last);
    shdict_heap_fix(h, last);
}

/* shdict_heap_take - t takes old's slot (old leaves the heap), then the
 * order is restored for t's expiry */
void
shdict_heap_take(struct shdict_heap *h, struct shdict_timed *old,
                 struct shdict_timed *t)
{
    place(h, old->slot, t);
    old->slot = SHDICT_NO_SLOT;
    shdict_heap_fix(h, t);
}
