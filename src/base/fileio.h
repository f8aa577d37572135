/*
 * fileio.h - reading a whole file, with a size cap and clear errors.
 *
 * fileio_read reads anything open(2) can (a message may come from a pipe);
 * fileio_read_regular, for the configuration and the scripts, refuses what
 * is not a regular file without blocking on it (a FIFO).  fileio_write_all
 * writes a whole buffer, across short writes and EINTR.
 */
#ifndef LUAMILTER_FILEIO_H
#define LUAMILTER_FILEIO_H

#include <stddef.h>

char *fileio_read(const char *path, size_t max, size_t *lenp, char *err,
                  size_t errlen);
char *fileio_read_regular(const char *path, size_t max, size_t *lenp,
                          char *err, size_t errlen);
int fileio_write_all(int fd, const char *p, size_t n, size_t *done);

#endif
