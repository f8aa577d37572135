/*
 * shdict_hash.h - the keyed hash of shared-dictionary keys.
 *
 * SipHash-2-4 with a random key per dictionary, so a client that chooses
 * the keys (sender addresses, IPs) cannot aim them at one hash chain.
 */
#ifndef LUAMILTER_SHDICT_HASH_H
#define LUAMILTER_SHDICT_HASH_H

#include <stddef.h>
#include <stdint.h>

/* a hash key: two 64-bit halves */
struct shdict_hash_key {
    uint64_t k0, k1;
};

void shdict_hash_key_random(struct shdict_hash_key *k);
uint64_t shdict_hash(const struct shdict_hash_key *k, const void *data,
                     size_t len);

#endif
