/*
 * shdict_region.c - a dictionary's own memory: buddy-allocated page runs
 * and one-class slab pages over one mapping (see shdict_region.h).
 *
 * Every page has a record in a page table.  Only the first page of a run
 * (free, large or slab) says what it is; the pages inside a run are
 * TAIL.  Free runs of 2^k pages sit on free list k and merge with their
 * buddy when both are free.  A slab page holds objects of one size class;
 * pages with a free object sit on their class's partial list, and a slab
 * page whose objects are all free goes back to the buddy allocator.
 */
#include "shdict_region.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NONE UINT32_MAX
#define MAX_ORDER 31
#define SLAB_MAX 2048

enum page_kind {
    PAGE_TAIL = 0,              /* inside a run (the page table's zero) */
    PAGE_FREE,                  /* first page of a free run */
    PAGE_LARGE,                 /* first page of an allocated run */
    PAGE_SLAB                   /* a page of small objects */
};

/* one page's record */
struct page {
    uint32_t next, prev;        /* free list or partial list */
    void *freelist;             /* slab: freed objects */
    uint16_t nfree;             /* slab: objects not handed out */
    uint16_t bump;              /* slab: objects ever carved */
    uint8_t kind;
    uint8_t order;              /* free or large run: 2^order pages */
    uint8_t cls;                /* slab: size class */
};

/* the slab size classes (multiples of 16, each page holds >= 2) */
static const uint16_t class_size[] = {
    16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448,
    512, 640, 768, 1024, 1360, 2048
};
#define NCLASS (sizeof class_size / sizeof class_size[0])

struct shdict_region {
    char *base;
    size_t npages;
    struct page *pages;         /* mmap'd too: reset zeroes it cheaply */
    size_t table_bytes;
    uint32_t free_head[MAX_ORDER + 1];
    uint32_t partial[NCLASS];
    size_t used_pages;
    int top_order;              /* the biggest run there can be */
};

/* list_push - put page i at the front of the list at *head */
static void
list_push(struct shdict_region *r, uint32_t *head, uint32_t i)
{
    r->pages[i].prev = NONE;
    r->pages[i].next = *head;
    if (*head != NONE)
        r->pages[*head].prev = i;
    *head = i;
}

/* list_remove - take page i off the list at *head */
static void
list_remove(struct shdict_region *r, uint32_t *head, uint32_t i)
{
    struct page *pg = &r->pages[i];

    if (pg->prev != NONE)
        r->pages[pg->prev].next = pg->next;
    else
        *head = pg->next;
    if (pg->next != NONE)
        r->pages[pg->next].prev = pg->prev;
}

/* add_free - page i starts a free run of 2^order pages */
static void
add_free(struct shdict_region *r, uint32_t i, int order)
{
    r->pages[i].kind = PAGE_FREE;
    r->pages[i].order = (uint8_t)order;
    list_push(r, &r->free_head[order], i);
}

/* carve - all pages free, as the biggest aligned runs that fit (the page
 * table must be all TAIL) */
static void
carve(struct shdict_region *r)
{
    size_t p = 0;
    int k;

    for (k = 0; k <= MAX_ORDER; k++)
        r->free_head[k] = NONE;
    for (k = 0; k < (int)NCLASS; k++)
        r->partial[k] = NONE;
    r->used_pages = 0;
    r->top_order = 0;
    while (((size_t)2 << r->top_order) <= r->npages &&
           r->top_order < MAX_ORDER)
        r->top_order++;
    while (p < r->npages) {
        for (k = r->top_order; k > 0; k--)
            if (p % ((size_t)1 << k) == 0 && p + ((size_t)1 << k) <= r->npages)
                break;
        add_free(r, (uint32_t)p, k);
        p += (size_t)1 << k;
    }
}

/* buddy_alloc - a run of 2^order pages, or NONE */
static uint32_t
buddy_alloc(struct shdict_region *r, int order)
{
    uint32_t i;
    int k = order;

    while (k <= r->top_order && r->free_head[k] == NONE)
        k++;
    if (k > r->top_order)
        return NONE;
    i = r->free_head[k];
    list_remove(r, &r->free_head[k], i);
    while (k > order) {
        k--;
        add_free(r, i + ((uint32_t)1 << k), k);
    }
    r->pages[i].order = (uint8_t)order;
    r->used_pages += (size_t)1 << order;
    return i;
}

/* buddy_free - give back the run of 2^order pages at i, merging it with
 * its free buddies */
static void
buddy_free(struct shdict_region *r, uint32_t i, int order)
{
    uint32_t b;

    r->used_pages -= (size_t)1 << order;
    while (order < r->top_order) {
        b = i ^ ((uint32_t)1 << order);
        if (b >= r->npages || r->pages[b].kind != PAGE_FREE ||
            r->pages[b].order != order)
            break;
        list_remove(r, &r->free_head[order], b);
        r->pages[b].kind = PAGE_TAIL;
        r->pages[i].kind = PAGE_TAIL;
        if (b < i)
            i = b;
        order++;
    }
    add_free(r, i, order);
}

/* class_of - the smallest size class that holds n bytes */
static int
class_of(size_t n)
{
    int c = 0;

    while (class_size[c] < n)
        c++;
    return c;
}

/* slab_alloc - an object of class c, or NULL */
static void *
slab_alloc(struct shdict_region *r, int c)
{
    uint32_t i = r->partial[c];
    struct page *pg;
    char *obj;

    if (i == NONE) {
        i = buddy_alloc(r, 0);
        if (i == NONE)
            return NULL;
        pg = &r->pages[i];
        pg->kind = PAGE_SLAB;
        pg->cls = (uint8_t)c;
        pg->nfree = (uint16_t)(SHDICT_PAGE / class_size[c]);
        pg->bump = 0;
        pg->freelist = NULL;
        list_push(r, &r->partial[c], i);
    }
    pg = &r->pages[i];
    if (pg->freelist != NULL) {
        obj = pg->freelist;
        memcpy(&pg->freelist, obj, sizeof pg->freelist);
    } else {
        obj = r->base + (size_t)i * SHDICT_PAGE +
              (size_t)pg->bump * class_size[c];
        pg->bump++;
    }
    if (--pg->nfree == 0)
        list_remove(r, &r->partial[c], i);
    return obj;
}

/* slab_free - give back the object p of slab page i */
static void
slab_free(struct shdict_region *r, uint32_t i, void *p)
{
    struct page *pg = &r->pages[i];
    int c = pg->cls;

    memcpy(p, &pg->freelist, sizeof pg->freelist);
    pg->freelist = p;
    if (pg->nfree++ == 0)
        list_push(r, &r->partial[c], i);
    if (pg->nfree == SHDICT_PAGE / class_size[c]) {
        list_remove(r, &r->partial[c], i);
        buddy_free(r, i, 0);
    }
}

/* shdict_region_new - a region of bytes (rounded down to pages, at least
 * one); NULL if it cannot be mapped */
struct shdict_region *
shdict_region_new(size_t bytes)
{
    struct shdict_region *r;
    size_t npages = bytes / SHDICT_PAGE;
    void *base, *pages;
    size_t table;

    if (npages == 0 || npages >= NONE)
        return NULL;
    table = npages * sizeof(struct page);
    base = mmap(NULL, npages * SHDICT_PAGE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    pages = mmap(NULL, table, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (pages == MAP_FAILED) {
        munmap(base, npages * SHDICT_PAGE);
        return NULL;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        munmap(pages, table);
        munmap(base, npages * SHDICT_PAGE);
        return NULL;
    }
    r->base = base;
    r->npages = npages;
    r->pages = pages;
    r->table_bytes = table;
    carve(r);
    return r;
}

/* shdict_region_free - unmap everything */
void
shdict_region_free(struct shdict_region *r)
{
    if (r == NULL)
        return;
    munmap(r->base, r->npages * SHDICT_PAGE);
    munmap(r->pages, r->table_bytes);
    free(r);
}

/* shdict_region_alloc - n bytes (8-byte aligned), or NULL when no free
 * run is big enough */
void *
shdict_region_alloc(struct shdict_region *r, size_t n)
{
    size_t pages;
    uint32_t i;
    int order = 0;

    if (n <= SLAB_MAX)
        return slab_alloc(r, class_of(n == 0 ? 1 : n));
    if (n > shdict_region_max_alloc(r))
        return NULL;
    pages = (n + SHDICT_PAGE - 1) / SHDICT_PAGE;
    while (((size_t)1 << order) < pages)
        order++;
    i = buddy_alloc(r, order);
    if (i == NONE)
        return NULL;
    r->pages[i].kind = PAGE_LARGE;
    return r->base + (size_t)i * SHDICT_PAGE;
}

/* shdict_region_release - give back p from shdict_region_alloc */
void
shdict_region_release(struct shdict_region *r, void *p)
{
    uint32_t i = (uint32_t)(((char *)p - r->base) / SHDICT_PAGE);

    if (r->pages[i].kind == PAGE_SLAB)
        slab_free(r, i, p);
    else
        buddy_free(r, i, r->pages[i].order);
}

/* shdict_region_reset - everything free again; the page table is zeroed
 * by handing its pages back (cheap: 24 bytes per page), the data pages
 * stay mapped for reuse */
void
shdict_region_reset(struct shdict_region *r)
{
    madvise(r->pages, r->table_bytes, MADV_DONTNEED);   /* zero: all TAIL */
    carve(r);
}

/* shdict_region_size - the bytes the region manages */
size_t
shdict_region_size(const struct shdict_region *r)
{
    return r->npages * SHDICT_PAGE;
}

/* shdict_region_used - the bytes of the pages handed out */
size_t
shdict_region_used(const struct shdict_region *r)
{
    return r->used_pages * SHDICT_PAGE;
}

/* shdict_region_max_alloc - the biggest block there can ever be */
size_t
shdict_region_max_alloc(const struct shdict_region *r)
{
    return (size_t)SHDICT_PAGE << r->top_order;
}
