/*
 * memtotal.h - memory_total: a cap on the Lua memory of all connections
 * together.
 *
 * Each connection's allocator reserves bytes from one shared pool in
 * MEMTOTAL_CHUNK steps (so that ordinary growth touches no shared counter)
 * and gives back what it no longer needs; a reservation that would take
 * the pool past the limit is refused, and the allocation fails as one past
 * memory_limit does.  The states that check a script and run its own
 * tests draw on no pool.
 */
#ifndef LUAMILTER_MEMTOTAL_H
#define LUAMILTER_MEMTOTAL_H

#include <stddef.h>

#define MEMTOTAL_CHUNK ((size_t)16 << 10)

void memtotal_set_limit(size_t bytes);
size_t memtotal_limit(void);
size_t memtotal_reserved(void);
int memtotal_grow(size_t *held, size_t need);
void memtotal_shrink(size_t *held, size_t keep);

#endif
