/*
 * sha1.h - SHA-1 (FIPS 180-4) of a byte string, as lower-case hex.
 *
 * Only for naming Redis scripts (EVALSHA takes the script's SHA-1); not
 * for anything that needs a secure hash.
 */
#ifndef LUAMILTER_SHA1_H
#define LUAMILTER_SHA1_H

#include <stddef.h>

#define SHA1_HEX_LEN 40

void sha1_hex(const void *data, size_t len, char out[SHA1_HEX_LEN + 1]);

#endif
