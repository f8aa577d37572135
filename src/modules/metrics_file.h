/*
 * metrics_file.h - metrics_file: the exposition written every
 * metrics_file_interval seconds by a thread of its own, atomically (a
 * temporary file in the same directory, then rename), for
 * node-exporter's textfile collector.
 */
#ifndef LUAMILTER_METRICS_FILE_H
#define LUAMILTER_METRICS_FILE_H

#include <stddef.h>

int metrics_file_check(const char *path, char *err, size_t errlen);
int metrics_file_start(const char *path, double interval, char *err,
                       size_t errlen);
void metrics_file_stop(void);
int metrics_file_write(const char *path, char *err, size_t errlen);

#endif
