/*
 * mproto.h - the MTA side of the milter protocol, for luamilter's test and
 * benchmark clients (t/stress/stress.c, t/perf/client.c).
 *
 * Header-only: every function is static.  Packets are a 4-byte big-endian
 * length, a command byte and data; replies are read with a 10 s timeout.
 */
#ifndef LUAMILTER_MPROTO_H
#define LUAMILTER_MPROTO_H

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MP_NR_CONN 0x1000UL
#define MP_NR_HELO 0x2000UL
#define MP_NR_MAIL 0x4000UL
#define MP_NR_RCPT 0x8000UL
#define MP_NR_DATA 0x10000UL
#define MP_NR_EOH 0x40000UL
#define MP_NR_BODY 0x80000UL
#define MP_NR_HDR 0x80UL

/* mp_now - monotonic seconds */
static double
mp_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* mp_write - write all of buf */
static int
mp_write(int fd, const void *buf, size_t n)
{
    const char *p = buf;

    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* mp_read - read exactly n bytes, 10 s timeout */
static int
mp_read(int fd, void *buf, size_t n)
{
    char *p = buf;

    while (n > 0) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t r;
        if (poll(&pfd, 1, 10000) <= 0)
            return -1;
        r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* mp_send - one packet (header and data in a single write) */
static int
mp_send(int fd, char cmd, const void *data, size_t len)
{
    unsigned char buf[70000];
    uint32_t n = htonl((uint32_t)(len + 1));

    if (len + 5 > sizeof buf)
        return -1;
    memcpy(buf, &n, 4);
    buf[4] = (unsigned char)cmd;
    if (len > 0)
        memcpy(buf + 5, data, len);
    return mp_write(fd, buf, len + 5);
}

/* mp_recv - one reply: command byte, data into buf (NUL-terminated) */
static int
mp_recv(int fd, char *cmd, char *buf, size_t cap, size_t *len)
{
    uint32_t n;

    if (mp_read(fd, &n, 4) < 0)
        return -1;
    n = ntohl(n);
    if (n < 1 || n > cap)
        return -1;
    if (mp_read(fd, cmd, 1) < 0)
        return -1;
    *len = n - 1;
    if (*len > 0 && mp_read(fd, buf, *len) < 0)
        return -1;
    buf[*len] = '\0';
    return 0;
}

/* mp_is_verdict - a reply that ends a stage */
static int
mp_is_verdict(char c)
{
    return c == 'c' || c == 'a' || c == 'r' || c == 't' || c == 'y' ||
           c == 'd' || c == 's';
}

/* mp_stage_reply - the verdict of a stage, or 0 for an NR stage, -1 on error */
static int
mp_stage_reply(int fd, unsigned long proto, unsigned long nr_bit)
{
    char cmd, buf[65537];
    size_t len;

    if (nr_bit != 0 && (proto & nr_bit))
        return 0;
    if (mp_recv(fd, &cmd, buf, sizeof buf, &len) < 0 || !mp_is_verdict(cmd))
        return -1;
    return cmd;
}

/* mp_connect - connect to unix:/path (or /path) or inet:PORT@HOST */
static int
mp_connect(const char *spec)
{
    int fd;

    if (strncmp(spec, "inet:", 5) == 0) {
        char port[16], host[256] = "127.0.0.1";
        const char *at = strchr(spec + 5, '@');
        struct addrinfo hints, *res;
        int one = 1;
        snprintf(port, sizeof port, "%.*s",
                 (int)(at ? (size_t)(at - spec - 5) : strlen(spec + 5)),
                 spec + 5);
        if (at != NULL)
            snprintf(host, sizeof host, "%s", at + 1);
        memset(&hints, 0, sizeof hints);
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host, port, &hints, &res) != 0)
            return -1;
        fd = socket(res->ai_family, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
            close(fd);
            fd = -1;
        }
        freeaddrinfo(res);
        if (fd >= 0)    /* what an MTA does: Postfix sets no Nagle either */
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return fd;
    } else {
        struct sockaddr_un sun;
        const char *path = strncmp(spec, "unix:", 5) == 0 ? spec + 5 : spec;
        memset(&sun, 0, sizeof sun);
        sun.sun_family = AF_UNIX;
        snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
            close(fd);
            fd = -1;
        }
        return fd;
    }
}

/* mp_negotiate - OPTNEG as Postfix offers it; the filter's protocol word */
static long
mp_negotiate(int fd)
{
    uint32_t opt[3];
    char cmd, buf[65537];
    size_t len;

    opt[0] = htonl(6);
    opt[1] = htonl(0x1ff);
    opt[2] = htonl(0x1fffff);
    if (mp_send(fd, 'O', opt, sizeof opt) < 0 ||
        mp_recv(fd, &cmd, buf, sizeof buf, &len) < 0 || cmd != 'O' ||
        len < 12)
        return -1;
    memcpy(opt, buf, 12);
    return (long)ntohl(opt[2]);
}

/* mp_strings - "a\0b\0" into buf; its length (b may be NULL) */
static size_t
mp_strings(char *buf, const char *a, const char *b)
{
    size_t la = strlen(a) + 1, lb = b != NULL ? strlen(b) + 1 : 0;

    memcpy(buf, a, la);
    if (b != NULL)
        memcpy(buf + la, b, lb);
    return la + lb;
}

/* mp_conninfo - CONNECT for an IPv4 client; its reply */
static int
mp_conninfo(int fd, unsigned long proto, const char *host, const char *ip)
{
    char buf[512];
    size_t len = mp_strings(buf, host, NULL);

    buf[len++] = '4';
    buf[len++] = 0;
    buf[len++] = 25;
    len += mp_strings(buf + len, ip, NULL);
    if (mp_send(fd, 'C', buf, len) < 0)
        return -1;
    return mp_stage_reply(fd, proto, MP_NR_CONN);
}

#endif
