/*
 * stress.c - many MTA-side milter sessions at once against a luamilter,
 * while the caller keeps reloading its script.
 *
 * usage: stress SOCKET THREADS SECONDS MSGS_PER_CONN
 *
 * Each thread opens a connection, negotiates like Postfix (all actions, all
 * protocol bits offered), sends connect/helo, then up to MSGS_PER_CONN
 * messages (mail, rcpt, header, eoh, body, eom), reading every reply the
 * filter owes.  The policy under test adds "X-Gen: <n>" at eom; every
 * message of one connection must carry the same n (the script the
 * connection started with).  About one connection in eight is dropped in
 * the middle of a message.  At the end it prints counters and the line
 * "stress: OK" when there was no protocol error and no generation mix-up.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define NR_BITS 0x000ff080UL    /* every SMFIP_NR_* bit */

struct counters {
    unsigned long conns, msgs, dropped, proto_errors, gen_mixups, no_gen,
        tempfails;
};

static const char *sock_path;
static double stop_at;
static unsigned msgs_per_conn;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct counters total;

/* now_s - monotonic seconds */
static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* full_write - write all of buf */
static int
full_write(int fd, const void *buf, size_t n)
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

/* full_read - read exactly n bytes, 10 s timeout */
static int
full_read(int fd, void *buf, size_t n)
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

/* send_cmd - one milter packet */
static int
send_cmd(int fd, char cmd, const void *data, size_t len)
{
    unsigned char hdr[5];
    uint32_t n = htonl((uint32_t)(len + 1));

    memcpy(hdr, &n, 4);
    hdr[4] = (unsigned char)cmd;
    if (full_write(fd, hdr, 5) < 0)
        return -1;
    return len > 0 ? full_write(fd, data, len) : 0;
}

/* read_reply - one packet: its command byte, data into buf (cap 64 KiB) */
static int
read_reply(int fd, char *cmd, char *buf, size_t *len)
{
    uint32_t n;

    if (full_read(fd, &n, 4) < 0)
        return -1;
    n = ntohl(n);
    if (n < 1 || n > 65536)
        return -1;
    if (full_read(fd, cmd, 1) < 0)
        return -1;
    *len = n - 1;
    if (*len > 0 && full_read(fd, buf, *len) < 0)
        return -1;
    buf[*len] = '\0';
    return 0;
}

/* expect_reply - the filter's answer to a stage (skipped if NR) */
static int
expect_reply(int fd, unsigned long proto, unsigned long nr_bit)
{
    char cmd, buf[65537];
    size_t len;

    if (nr_bit != 0 && (proto & nr_bit))
        return 0;
    if (read_reply(fd, &cmd, buf, &len) < 0)
        return -1;
    return cmd == 'c' || cmd == 'a' || cmd == 'r' || cmd == 't' ||
                   cmd == 'y' || cmd == 'd' || cmd == 's' ? cmd : -1;
}

/* open_conn - connect to the unix socket */
static int
open_conn(void)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock_path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* two_strings - "a\0b\0" into buf, its length */
static size_t
two_strings(char *buf, const char *a, const char *b)
{
    size_t la = strlen(a) + 1, lb = b != NULL ? strlen(b) + 1 : 0;

    memcpy(buf, a, la);
    if (b != NULL)
        memcpy(buf + la, b, lb);
    return la + lb;
}

/* session - one connection; updates c; returns 0 or -1 (protocol error) */
static int
session(struct counters *c, unsigned seed)
{
    char buf[65537], cmd;
    size_t len;
    unsigned long proto;
    uint32_t opt[3];
    long gen = -1;
    unsigned m;
    int fd = open_conn(), drop_at = (seed % 8 == 0) ? (int)(seed % 5) : -1;

    if (fd < 0)
        return 1;       /* refused (socket gone at stop): not an error */
    c->conns++;
    opt[0] = htonl(6);
    opt[1] = htonl(0x1ff);
    opt[2] = htonl(0x1fffff);
    if (send_cmd(fd, 'O', opt, sizeof opt) < 0 ||
        read_reply(fd, &cmd, buf, &len) < 0 || cmd != 'O' || len < 12)
        goto err;
    memcpy(opt, buf, 12);
    proto = ntohl(opt[2]);
    len = two_strings(buf, "client.example", NULL);
    buf[len++] = '4';
    buf[len++] = 0;
    buf[len++] = 25;
    len += two_strings(buf + len, "192.0.2.7", NULL);
    if (send_cmd(fd, 'C', buf, len) < 0 || expect_reply(fd, proto, 0x1000) < 0)
        goto err;
    if (send_cmd(fd, 'H', "stress.example", 15) < 0 ||
        expect_reply(fd, proto, 0x2000) < 0)
        goto err;
    for (m = 0; m < msgs_per_conn && now_s() < stop_at; m++) {
        int r;
        len = two_strings(buf, "<a@example.com>", NULL);
        if (send_cmd(fd, 'M', buf, len) < 0 ||
            expect_reply(fd, proto, 0x4000) < 0)
            goto err;
        len = two_strings(buf, "<b@example.org>", NULL);
        if (send_cmd(fd, 'R', buf, len) < 0 ||
            expect_reply(fd, proto, 0x8000) < 0)
            goto err;
        if ((int)m == drop_at) {            /* vanish mid-message */
            c->dropped++;
            close(fd);
            return 0;
        }
        len = two_strings(buf, "Subject", "stress");
        if (send_cmd(fd, 'L', buf, len) < 0 ||
            expect_reply(fd, proto, 0x80) < 0)
            goto err;
        if (send_cmd(fd, 'N', NULL, 0) < 0 ||
            expect_reply(fd, proto, 0x40000) < 0)
            goto err;
        memset(buf, 'x', 2048);
        if (send_cmd(fd, 'B', buf, 2048) < 0 ||
            expect_reply(fd, proto, 0x80000) < 0)
            goto err;
        if (send_cmd(fd, 'E', NULL, 0) < 0)
            goto err;
        for (;;) {                          /* modifications, then verdict */
            if (read_reply(fd, &cmd, buf, &len) < 0)
                goto err;
            if (cmd == 'h' && strcmp(buf, "X-Gen") == 0) {
                long g = strtol(buf + 6, NULL, 10);
                if (gen >= 0 && g != gen)
                    c->gen_mixups++;
                gen = g;
            }
            if (cmd == 'c' || cmd == 'a' || cmd == 'r' || cmd == 't' ||
                cmd == 'y' || cmd == 'd')
                break;
        }
        r = cmd;
        if (r == 't' || r == 'y')
            c->tempfails++;
        if (gen < 0)
            c->no_gen++;
        c->msgs++;
    }
    send_cmd(fd, 'Q', NULL, 0);
    close(fd);
    return 0;
err:
    close(fd);
    c->proto_errors++;
    return -1;
}

/* worker - sessions until the deadline */
static void *
worker(void *arg)
{
    struct counters c;
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u;

    memset(&c, 0, sizeof c);
    while (now_s() < stop_at) {
        seed = seed * 1103515245u + 12345u;
        session(&c, seed >> 8);
    }
    pthread_mutex_lock(&lock);
    total.conns += c.conns;
    total.msgs += c.msgs;
    total.dropped += c.dropped;
    total.proto_errors += c.proto_errors;
    total.gen_mixups += c.gen_mixups;
    total.no_gen += c.no_gen;
    total.tempfails += c.tempfails;
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* main - run the threads and report */
int
main(int argc, char **argv)
{
    pthread_t *t;
    int i, n;

    if (argc != 5) {
        fprintf(stderr, "usage: stress SOCKET THREADS SECONDS MSGS_PER_CONN\n");
        return 2;
    }
    sock_path = strncmp(argv[1], "unix:", 5) == 0 ? argv[1] + 5 : argv[1];
    n = atoi(argv[2]);
    stop_at = now_s() + atof(argv[3]);
    msgs_per_conn = (unsigned)atoi(argv[4]);
    t = calloc((size_t)n, sizeof *t);
    for (i = 0; i < n; i++)
        pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
    for (i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    printf("stress: connections %lu, messages %lu, dropped mid-message %lu, "
           "protocol errors %lu, generation mix-ups %lu, messages without "
           "X-Gen %lu, tempfails %lu\n", total.conns, total.msgs,
           total.dropped, total.proto_errors, total.gen_mixups, total.no_gen,
           total.tempfails);
    if (total.proto_errors == 0 && total.gen_mixups == 0 &&
        total.no_gen == 0 && total.tempfails == 0 && total.msgs > 0) {
        printf("stress: OK\n");
        return 0;
    }
    printf("stress: FAILED\n");
    return 1;
}
