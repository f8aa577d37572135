/*
 * shdict_region.h - the memory of one shared dictionary: one mapping of
 * its declared size, carved by a buddy allocator into runs of 4 KiB pages,
 * small blocks coming from pages split into one size class each (slabs).
 *
 * Entries live only here, so however many threads write and free them,
 * the dictionary's resident memory never passes the mapping (malloc would
 * keep freed entries in each writer thread's arena).  The page table is
 * malloc'd beside it: 24 bytes per page.  Not thread-safe: the
 * dictionary's lock guards it.
 */
#ifndef LUAMILTER_SHDICT_REGION_H
#define LUAMILTER_SHDICT_REGION_H

#include <stddef.h>

#define SHDICT_PAGE 4096

struct shdict_region;

struct shdict_region *shdict_region_new(size_t bytes);
void shdict_region_free(struct shdict_region *r);
void *shdict_region_alloc(struct shdict_region *r, size_t n);
void shdict_region_release(struct shdict_region *r, void *p);
void shdict_region_reset(struct shdict_region *r);
size_t shdict_region_size(const struct shdict_region *r);
size_t shdict_region_used(const struct shdict_region *r);
size_t shdict_region_max_alloc(const struct shdict_region *r);

#endif
