/*
 * metrics_listen.c - parse http_listen and open its socket
 * (metrics_listen.h).
 */
#include "metrics_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define HTTP_BACKLOG 16

/* parse_port - a port number 0..65535 */
static int
parse_port(const char *s, int *port)
{
    char *end;
    long v;

    if (*s < '0' || *s > '9')
        return -1;
    v = strtol(s, &end, 10);
    if (*end != '\0' || v < 0 || v > 65535)
        return -1;
    *port = (int)v;
    return 0;
}

/* parse_inet - HOST:PORT with an IPv4 literal, [IPv6]:PORT */
static int
parse_inet(const char *spec, struct http_addr *a, char *err, size_t errlen)
{
    const char *colon;
    unsigned char buf[sizeof(struct in6_addr)];
    size_t hl;

    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (close == NULL || close[1] != ':') {
            snprintf(err, errlen, "http_listen: '%s': an IPv6 address is "
                     "written [ADDRESS]:PORT", spec);
            return -1;
        }
        hl = (size_t)(close - spec - 1);
        colon = close + 1;
        a->family = AF_INET6;
        if (hl >= sizeof a->host) {
            snprintf(err, errlen, "http_listen: '%s': not an IPv6 address",
                     spec);
            return -1;
        }
        memcpy(a->host, spec + 1, hl);
        a->host[hl] = '\0';
    } else {
        colon = strrchr(spec, ':');
        if (colon == NULL) {
            snprintf(err, errlen, "http_listen: '%s': give ADDRESS:PORT "
                     "(127.0.0.1:9465, [::1]:9465) or unix:/path", spec);
            return -1;
        }
        hl = (size_t)(colon - spec);
        a->family = AF_INET;
        if (hl >= sizeof a->host)
            hl = sizeof a->host - 1;
        memcpy(a->host, spec, hl);
        a->host[hl] = '\0';
    }
    if (inet_pton(a->family, a->host, buf) != 1) {
        snprintf(err, errlen, "http_listen: '%s': '%s' is not an %s address "
                 "(give a literal address, not a host name)", spec, a->host,
                 a->family == AF_INET ? "IPv4" : "IPv6");
        return -1;
    }
    if (parse_port(colon + 1, &a->port) < 0) {
        snprintf(err, errlen, "http_listen: '%s': '%s' is not a port "
                 "(0 to 65535)", spec, colon + 1);
        return -1;
    }
    return 0;
}

/* metrics_listen_parse - an http_listen value; -1 with what is wrong */
int
metrics_listen_parse(const char *spec, struct http_addr *a, char *err,
                     size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (strncmp(spec, "unix:", 5) == 0) {
        const char *p = spec + 5;
        a->family = AF_UNIX;
        if (p[0] != '/') {
            snprintf(err, errlen, "http_listen: '%s': the socket path must "
                     "be absolute", spec);
            return -1;
        }
        if (strlen(p) >= sizeof a->path) {
            snprintf(err, errlen, "http_listen: '%s': the socket path is "
                     "longer than %zu bytes", spec, sizeof a->path - 1);
            return -1;
        }
        snprintf(a->path, sizeof a->path, "%s", p);
        return 0;
    }
    return parse_inet(spec, a, err, errlen);
}

/* unix_listener - bind a unix socket at a->path, replacing a stale one,
 * mode 0660 and owned by uid/gid (when not -1) */
static int
unix_listener(const struct http_addr *a, uid_t uid, gid_t gid, char *err,
              size_t errlen)
{
    struct sockaddr_un sun;
    struct stat st;
    int fd;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", a->path);
    if (lstat(a->path, &st) == 0) {
        int probe;
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a socket; not "
                     "replacing it", a->path);
            return -1;
        }
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sun,
                                  sizeof sun) == 0) {
            close(probe);
            snprintf(err, errlen, "%s: another process is listening on it",
                     a->path);
            return -1;
        }
        if (probe >= 0)
            close(probe);
        unlink(a->path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 ||
        chmod(a->path, 0660) < 0 ||
        ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
         chown(a->path, uid, gid) < 0) ||
        listen(fd, HTTP_BACKLOG) < 0) {
        snprintf(err, errlen, "%s: %s", a->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* inet_listener - bind a TCP socket at host:port */
static int
inet_listener(const struct http_addr *a, char *where, size_t wherelen,
              char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, one = 1;

    memset(&ss, 0, sizeof ss);
    if (a->family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)a->port);
        inet_pton(AF_INET, a->host, &in->sin_addr);
        len = sizeof *in;
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((unsigned short)a->port);
        inet_pton(AF_INET6, a->host, &in6->sin6_addr);
        len = sizeof *in6;
    }
    fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (a->family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
        listen(fd, HTTP_BACKLOG) < 0) {
        snprintf(err, errlen, "cannot listen on %s%s%s:%d: %s",
                 a->family == AF_INET6 ? "[" : "", a->host,
                 a->family == AF_INET6 ? "]" : "", a->port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        snprintf(where, wherelen, "%s%s%s:%d", a->family == AF_INET6 ? "["
                                                                     : "",
                 a->host, a->family == AF_INET6 ? "]" : "",
                 ntohs(a->family == AF_INET
                       ? ((struct sockaddr_in *)&ss)->sin_port
                       : ((struct sockaddr_in6 *)&ss)->sin6_port));
    return fd;
}

/* metrics_listen_open - the listening socket of a; where says where it
 * listens (with the port a port 0 got); -1 with err */
int
metrics_listen_open(const struct http_addr *a, uid_t uid, gid_t gid,
                    char *where, size_t wherelen, char *err, size_t errlen)
{
    if (a->family == AF_UNIX) {
        snprintf(where, wherelen, "unix:%s", a->path);
        return unix_listener(a, uid, gid, err, errlen);
    }
    return inet_listener(a, where, wherelen, err, errlen);
}
