/* fuzz_checks.c - socket specs, reply codes and reply lines on arbitrary
 * bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "sockspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - spec, then rcode/xcode split at the first space,
 * then the bytes as a reply line */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), err[512], *sp;
    int kind;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    sockspec_check(s, &kind, err, sizeof err);
    sockspec_unix_path(s);
    reply_check_line((const char *)data, size, err, sizeof err);
    sp = strchr(s, ' ');
    if (sp != NULL) {
        *sp = '\0';
        reply_check_code(s, sp + 1, err, sizeof err);
    } else {
        reply_check_code(s, NULL, err, sizeof err);
    }
    free(s);
    return 0;
}
