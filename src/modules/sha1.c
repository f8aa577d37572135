/*
 * sha1.c - SHA-1 of a byte string (see sha1.h), written from FIPS 180-4.
 */
#include "sha1.h"

#include <stdint.h>
#include <string.h>

struct sha1_state {
    uint32_t h[5];
};

/* rol - rotate a 32-bit word left by n bits */
static uint32_t
rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

/* sha1_block - mix one 64-byte block into the state */
static void
sha1_block(struct sha1_state *s, const unsigned char *p)
{
    uint32_t w[80], a, b, c, d, e, f, k, t;
    int i;

    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (i = 0; i < 80; i++) {
        if (i < 20)
            f = (b & c) | (~b & d), k = 0x5A827999u;
        else if (i < 40)
            f = b ^ c ^ d, k = 0x6ED9EBA1u;
        else if (i < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDCu;
        else
            f = b ^ c ^ d, k = 0xCA62C1D6u;
        t = rol(a, 5) + f + e + k + w[i];
        e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

/* sha1_hex - the SHA-1 of len bytes at data, as 40 hex digits and a NUL */
void
sha1_hex(const void *data, size_t len, char out[SHA1_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    struct sha1_state s = {
        {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u}
    };
    const unsigned char *p = data;
    unsigned char tail[128];
    size_t rest = len % 64, tail_len = rest < 56 ? 64 : 128, i;
    uint64_t bits = (uint64_t)len * 8;

    for (i = 0; i + 64 <= len; i += 64)
        sha1_block(&s, p + i);
    memset(tail, 0, sizeof tail);
    if (rest > 0)
        memcpy(tail, p + len - rest, rest);
    tail[rest] = 0x80;
    for (i = 0; i < 8; i++)
        tail[tail_len - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (i = 0; i < tail_len; i += 64)
        sha1_block(&s, tail + i);
    for (i = 0; i < 20; i++) {
        unsigned char byte = (unsigned char)(s.h[i / 4] >> (24 - 8 * (i % 4)));

        out[2 * i] = hex[byte >> 4];
        out[2 * i + 1] = hex[byte & 15];
    }
    out[SHA1_HEX_LEN] = '\0';
}
