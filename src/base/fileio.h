/*
 * fileio.h - reading a whole file, with a size cap and clear errors.
 */
#ifndef LUAMILTER_FILEIO_H
#define LUAMILTER_FILEIO_H

#include <stddef.h>

char *fileio_read(const char *path, size_t max, size_t *lenp, char *err,
                  size_t errlen);

#endif
