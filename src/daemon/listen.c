/*
 * listen.c - luamilter's own listening sockets (see listen.h).
 */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

/* unix_address - the sockaddr_un of path; -1 if it does not fit */
static int
unix_address(const char *path, struct sockaddr_un *sun)
{
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sun->sun_path)
        return -1;
    memcpy(sun->sun_path, path, strlen(path) + 1);
    return 0;
}

/* socket_in_use - whether something answers on an existing unix socket */
static int
socket_in_use(const char *path)
{
    struct sockaddr_un sun;
    int fd, rc;

    if (unix_address(path, &sun) < 0)
        return 0;
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    rc = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
    close(fd);
    return rc;
}

/* clear_path - make room for a socket at path: the directory must exist,
 * a stale socket is removed, anything else there is refused */
static int
clear_path(const char *path, char *err, size_t errlen)
{
    char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
    char *slash;
    struct stat st;

    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "directory %s does not exist", dir);
            return -1;
        }
    }
    if (lstat(path, &st) < 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket; not replacing "
                 "it", path);
        return -1;
    }
    if (socket_in_use(path)) {
        snprintf(err, errlen, "another process is listening on it (a "
                 "luamilter already running?); not taking it over");
        return -1;
    }
    if (unlink(path) < 0) {
        snprintf(err, errlen, "cannot remove the stale socket %s: %s", path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* listen_unix - bind and listen on a unix socket at path, given to
 * uid:gid ((uid_t)-1, (gid_t)-1: unchanged; who names them for messages)
 * with permission bits mode before anyone can connect; the fd or -1 */
int
listen_unix(const char *path, int mode, uid_t uid, gid_t gid,
            const char *who, int backlog, char *err, size_t errlen)
{
    struct sockaddr_un sun;
    char why[512];
    mode_t old;
    int fd, rc;

    if (unix_address(path, &sun) < 0) {
        snprintf(err, errlen, "longer than %zu bytes",
                 sizeof sun.sun_path - 1);
        return -1;
    }
    if (clear_path(path, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    old = umask(0777);              /* no access until chmod below */
    rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
    umask(old);
    if (rc < 0) {
        snprintf(err, errlen, "bind: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) < 0)
        snprintf(why, sizeof why, "cannot give it to %s: %s (luamilter "
                 "must start as root, or be a member of the group)", who,
                 strerror(errno));
    else if (chmod(path, (mode_t)mode) < 0)
        snprintf(why, sizeof why, "chmod %o: %s", mode, strerror(errno));
    else if (listen(fd, backlog > 0 ? backlog : SOMAXCONN) < 0)
        snprintf(why, sizeof why, "listen: %s", strerror(errno));
    else
        return fd;
    snprintf(err, errlen, "%s", why);
    close(fd);
    unlink(path);
    return -1;
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
