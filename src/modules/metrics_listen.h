/*
 * metrics_listen.h - the http_listen address: parsing
 * (127.0.0.1:9465, [::1]:9465, unix:/path) and the listening socket,
 * opened before the privilege drop.
 */
#ifndef LUAMILTER_METRICS_LISTEN_H
#define LUAMILTER_METRICS_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

struct http_addr {
    int family;             /* AF_INET, AF_INET6, AF_UNIX */
    char host[64];          /* address literal (inet) */
    int port;               /* 0: any free port (inet) */
    char path[108];         /* socket path (unix) */
};

int metrics_listen_parse(const char *spec, struct http_addr *a, char *err,
                         size_t errlen);
int metrics_listen_open(const struct http_addr *a, uid_t uid, gid_t gid,
                        char *where, size_t wherelen, char *err,
                        size_t errlen);

#endif
