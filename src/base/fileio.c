/*
 * fileio.c - whole-file reads for config, scripts and messages (fileio.h).
 */
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fileio_read - the file's bytes, NUL-terminated (malloc); NULL and a
 * message naming the file if it cannot be read or is larger than max */
char *
fileio_read(const char *path, size_t max, size_t *lenp, char *err,
            size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (cap - len < 8192) {
            char *bigger;
            if (cap > max) {
                snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
                goto fail;
            }
            cap = cap ? cap * 2 : 16384;
            bigger = realloc(buf, cap + 1);
            if (bigger == NULL) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
            buf = bigger;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        goto fail;
    }
    fclose(f);
    buf[len] = '\0';
    *lenp = len;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}
