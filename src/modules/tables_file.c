/*
 * tables_file.c - whole-file reads of table files (tables_file.h).
 */
#include "tables_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TFILE_TRIES 3

/* id_of - the identity in st */
static void
id_of(const struct stat *st, struct tfile_id *id)
{
    memset(id, 0, sizeof *id);
    id->dev = st->st_dev;
    id->ino = st->st_ino;
    id->size = st->st_size;
    id->mtime_ns = (long long)st->st_mtim.tv_sec * 1000000000LL
                   + st->st_mtim.tv_nsec;
    id->ctime_ns = (long long)st->st_ctim.tv_sec * 1000000000LL
                   + st->st_ctim.tv_nsec;
}

/* tfile_same - whether a and b are one file with the same contents stamp */
int
tfile_same(const struct tfile_id *a, const struct tfile_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size
           && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* tfile_stat - the identity of path (following symlinks); -1 with errno */
int
tfile_stat(const char *path, struct tfile_id *id)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return -1;
    id_of(&st, id);
    return 0;
}

/* below - whether the open file fd lies below directory dir (after every
 * symlink); err says why not */
static int
below(int fd, const char *path, const char *dir, char *err, size_t errlen)
{
    char proc[64], real[PATH_MAX], *base;
    ssize_t n;
    size_t blen;
    int ok;

    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    n = readlink(proc, real, sizeof real - 1);
    if (n < 0) {
        if (realpath(path, real) == NULL) {
            snprintf(err, errlen, "%s: cannot resolve: %s", path,
                     strerror(errno));
            return 0;
        }
    } else {
        real[n] = '\0';
    }
    base = realpath(dir, NULL);
    if (base == NULL) {
        snprintf(err, errlen, "%s: cannot resolve: %s", dir, strerror(errno));
        return 0;
    }
    blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    ok = strncmp(real, base, blen) == 0 && real[blen] == '/';
    if (!ok)
        snprintf(err, errlen, "%s: is outside %s (a policy's tables stay in "
                 "its directory)", path, base);
    free(base);
    return ok;
}

/* read_all - the rest of fd into a new NUL-terminated buffer of at most
 * max bytes; NULL with err */
static char *
read_all(int fd, const char *path, size_t hint, size_t *lenp, char *err,
         size_t errlen)
{
    size_t cap = hint + 1 > 4096 ? hint + 1 : 4096, len = 0;
    char *buf = malloc(cap + 1);

    if (buf == NULL)
        goto nomem;
    for (;;) {
        ssize_t n;

        if (len == cap) {
            char *bigger;

            if (cap > TFILE_MAX) {
                snprintf(err, errlen, "%s: larger than %u bytes", path,
                         TFILE_MAX);
                free(buf);
                return NULL;
            }
            cap *= 2;
            bigger = realloc(buf, cap + 1);
            if (bigger == NULL)
                goto nomem;
            buf = bigger;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > TFILE_MAX) {
        snprintf(err, errlen, "%s: larger than %u bytes", path, TFILE_MAX);
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *lenp = len;
    return buf;
nomem:
    free(buf);
    snprintf(err, errlen, "%s: out of memory", path);
    return NULL;
}

/* read_once - one attempt; 1 done, 0 the file changed meanwhile, -1 error */
static int
read_once(const char *path, const char *confine_dir, char **bufp,
          size_t *lenp, struct tfile_id *id, char *err, size_t errlen)
{
    struct stat before, after;
    struct tfile_id a;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &before) < 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(before.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        goto done;
    }
    if ((unsigned long long)before.st_size > TFILE_MAX) {
        snprintf(err, errlen, "%s: larger than %u bytes", path, TFILE_MAX);
        goto done;
    }
    if (confine_dir != NULL && !below(fd, path, confine_dir, err, errlen))
        goto done;
    *bufp = read_all(fd, path, (size_t)before.st_size, lenp, err, errlen);
    if (*bufp == NULL)
        goto done;
    if (fstat(fd, &after) < 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        free(*bufp);
        *bufp = NULL;
        goto done;
    }
    id_of(&before, id);
    id_of(&after, &a);
    if (!tfile_same(id, &a) || (off_t)*lenp != after.st_size) {
        free(*bufp);
        *bufp = NULL;
        rc = 0;
        goto done;
    }
    rc = 1;
done:
    close(fd);
    return rc;
}

/* tfile_read - the whole regular file at path (NUL-terminated, malloc) and
 * its identity; NULL and "PATH: what is wrong" in err */
char *
tfile_read(const char *path, const char *confine_dir, size_t *lenp,
           struct tfile_id *id, char *err, size_t errlen)
{
    char *buf = NULL;
    int i;

    for (i = 0; i < TFILE_TRIES; i++) {
        int rc = read_once(path, confine_dir, &buf, lenp, id, err, errlen);

        if (rc < 0)
            return NULL;
        if (rc > 0)
            return buf;
    }
    snprintf(err, errlen, "%s: changed while being read (%d times)", path,
             TFILE_TRIES);
    return NULL;
}
