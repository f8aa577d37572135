/*
 * metrics_http.h - the HTTP listener (libmicrohttpd): its own thread with
 * every signal blocked, internal poll mode (descriptors past FD_SETSIZE
 * are fine), at most HTTP_CONNECTIONS clients at once, each cut after
 * HTTP_TIMEOUT seconds idle, on a socket opened before the privilege drop.
 */
#ifndef LUAMILTER_METRICS_HTTP_H
#define LUAMILTER_METRICS_HTTP_H

#include <stddef.h>
#include <sys/types.h>

#define HTTP_CONNECTIONS 8
#define HTTP_TIMEOUT 5

int metrics_http_start(const char *spec, uid_t uid, gid_t gid, char *err,
                       size_t errlen);
const char *metrics_http_where(void);
void metrics_http_stop(void);

#endif
