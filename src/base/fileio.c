/*
 * fileio.c - whole-file reads for config, scripts and messages (fileio.h).
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* read_stream - the rest of f's bytes, NUL-terminated (malloc); closes f;
 * NULL and a message naming path on error or past max bytes */
static char *
read_stream(FILE *f, const char *path, size_t max, size_t *lenp, char *err,
            size_t errlen)
{
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

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

/* fileio_read - the file's bytes, NUL-terminated (malloc); NULL and a
 * message naming the file if it cannot be read or is larger than max */
char *
fileio_read(const char *path, size_t max, size_t *lenp, char *err,
            size_t errlen)
{
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    return read_stream(f, path, max, lenp, err, errlen);
}

/* file_kind - what a non-regular file is, for messages */
static const char *
file_kind(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a plain file";
}

/* fileio_read_regular - fileio_read for a regular file only: opened
 * without blocking (a FIFO or a device cannot hold the caller in open),
 * anything but a regular file refused with a message saying what it is */
char *
fileio_read_regular(const char *path, size_t max, size_t *lenp, char *err,
                    size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    FILE *f;

    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file (%s)", path,
                 file_kind(st.st_mode));
        close(fd);
        return NULL;
    }
    f = fdopen(fd, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    return read_stream(f, path, max, lenp, err, errlen);
}

/* fileio_write_all - every byte of p to fd, across short writes and
 * EINTR; 0, or -1 with errno; *done (may be NULL) the bytes written */
int
fileio_write_all(int fd, const char *p, size_t n, size_t *done)
{
    size_t sent = 0;
    int rc = 0;

    while (sent < n) {
        ssize_t w = write(fd, p + sent, n - sent);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        sent += (size_t)w;
    }
    if (done != NULL)
        *done = sent;
    return rc;
}
