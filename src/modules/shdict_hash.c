/*
 * shdict_hash.c - SipHash-2-4 over key bytes (see shdict_hash.h), written
 * from the published description of the algorithm.
 */
#include "shdict_hash.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* rotl - rotate x left by b bits */
static inline uint64_t
rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

/* sip_round - one SipRound over the four state words */
static inline void
sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13);
    v[1] ^= v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17);
    v[1] ^= v[2];
    v[2] = rotl(v[2], 32);
}

/* load_le64 - eight bytes as a little-endian word */
static inline uint64_t
load_le64(const unsigned char *p)
{
    uint64_t w = 0;
    int i;

    for (i = 7; i >= 0; i--)
        w = (w << 8) | p[i];
    return w;
}

/* sip_absorb - mix one message word in (two compression rounds) */
static inline void
sip_absorb(uint64_t v[4], uint64_t m)
{
    v[3] ^= m;
    sip_round(v);
    sip_round(v);
    v[0] ^= m;
}

/* shdict_hash - SipHash-2-4 of len bytes under key k */
uint64_t
shdict_hash(const struct shdict_hash_key *k, const void *data, size_t len)
{
    const unsigned char *p = data;
    unsigned char tail[8];
    uint64_t v[4];
    size_t left = len;

    v[0] = k->k0 ^ 0x736f6d6570736575ULL;
    v[1] = k->k1 ^ 0x646f72616e646f6dULL;
    v[2] = k->k0 ^ 0x6c7967656e657261ULL;
    v[3] = k->k1 ^ 0x7465646279746573ULL;
    for (; left >= 8; left -= 8, p += 8)
        sip_absorb(v, load_le64(p));
    memset(tail, 0, sizeof tail);
    if (left > 0)
        memcpy(tail, p, left);
    tail[7] = (unsigned char)len;
    sip_absorb(v, load_le64(tail));
    v[2] ^= 0xff;
    sip_round(v);
    sip_round(v);
    sip_round(v);
    sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* shdict_hash_key_random - a fresh key from /dev/urandom (or, failing
 * that, from the clocks and addresses, which still differ per process) */
void
shdict_hash_key_random(struct shdict_hash_key *k)
{
    struct timespec a, b;
    ssize_t got = -1;
    int fd;

    fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        got = read(fd, k, sizeof *k);
        close(fd);
    }
    if (got == (ssize_t)sizeof *k)
        return;
    clock_gettime(CLOCK_REALTIME, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    k->k0 = ((uint64_t)a.tv_sec << 32) ^ (uint64_t)a.tv_nsec ^
            (uint64_t)(uintptr_t)k;
    k->k1 = ((uint64_t)b.tv_nsec << 32) ^ (uint64_t)b.tv_sec ^
            (uint64_t)(uintptr_t)&a ^ (uint64_t)getpid();
}
