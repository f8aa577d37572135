/*
 * tables_file.h - reading a table file whole, and telling whether it changed.
 *
 *   tfile_read   the bytes of a regular file (opened O_NONBLOCK, so a FIFO
 *                or device named by mistake cannot block), with its
 *                identity; a file that changes while it is read is read
 *                again (a few times at most)
 *   tfile_stat   the identity of a path now
 *   tfile_same   whether two identities are the same file, unchanged
 *
 * Depends on nothing but libc.
 */
#ifndef LUAMILTER_TFILE_H
#define LUAMILTER_TFILE_H

#include <stddef.h>
#include <sys/types.h>

#define TFILE_MAX (256u << 20)  /* larger table files are refused */

/* what identifies one version of a file */
struct tfile_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    long long mtime_ns, ctime_ns;
};

/* a confinement: the file must lie below this directory (NULL: anywhere) */
char *tfile_read(const char *path, const char *confine_dir, size_t *lenp,
                 struct tfile_id *id, char *err, size_t errlen);
int tfile_stat(const char *path, struct tfile_id *id);
int tfile_same(const struct tfile_id *a, const struct tfile_id *b);

#endif
