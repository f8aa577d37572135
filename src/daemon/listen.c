/*
 * listen.c - TCP listening socket with TCP_NODELAY (see listen.h).
 */
#include "listen.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* split_spec - PORT and HOST (brackets removed) of inet[6]:PORT[@HOST] */
static int
split_spec(const char *spec, char *port, size_t plen, char *host,
           size_t hlen, int *v6)
{
    const char *rest, *at;
    size_t n;

    *v6 = strncmp(spec, "inet6:", 6) == 0;
    rest = spec + (*v6 ? 6 : 5);
    at = strchr(rest, '@');
    n = at != NULL ? (size_t)(at - rest) : strlen(rest);
    if (n == 0 || n >= plen)
        return -1;
    memcpy(port, rest, n);
    port[n] = '\0';
    host[0] = '\0';
    if (at != NULL) {
        const char *h = at + 1;
        size_t hl = strlen(h);
        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
            h++;
            hl -= 2;
        }
        if (hl >= hlen)
            return -1;
        memcpy(host, h, hl);
        host[hl] = '\0';
    }
    return 0;
}

/* listen_inet - bind and listen on an inet: or inet6: spec; the fd or -1 */
int
listen_inet(const char *spec, int backlog, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    char port[64], host[256];
    int v6, fd, one = 1, rc;

    if (split_spec(spec, port, sizeof port, host, sizeof host, &v6) < 0) {
        snprintf(err, errlen, "socket %s: bad PORT@HOST", spec);
        return -1;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = v6 ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "socket %s: %s", spec, gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket %s: %s", spec, strerror(errno));
        freeaddrinfo(res);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 ||
        listen(fd, backlog > 0 ? backlog : SOMAXCONN) < 0) {
        snprintf(err, errlen, "socket %s: %s", spec, strerror(errno));
        close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* listen_stop - stop taking connections on fd without disturbing
 * libmilter's accept loop: an idle listener takes its descriptor */
void
listen_stop(int fd)
{
    int idle = socket(AF_INET, SOCK_STREAM, 0);

    if (idle < 0)
        return;
    if (listen(idle, 1) == 0)
        dup2(idle, fd);
    close(idle);
}
