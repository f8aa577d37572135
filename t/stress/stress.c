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
#include <pthread.h>
#include <stdlib.h>

#include "../tools/mproto.h"

struct counters {
    unsigned long conns, msgs, dropped, proto_errors, gen_mixups, no_gen,
        tempfails;
};

static const char *sock_path;
static double stop_at;
static unsigned msgs_per_conn;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct counters total;

/* session - one connection; updates c; returns 0 or -1 (protocol error) */
static int
session(struct counters *c, unsigned seed)
{
    char buf[65537], cmd;
    size_t len;
    unsigned long proto;
    long nproto, gen = -1;
    unsigned m;
    int fd = mp_connect(sock_path), drop_at = (seed % 8 == 0) ? (int)(seed % 5) : -1;

    if (fd < 0)
        return 1;       /* refused (socket gone at stop): not an error */
    c->conns++;
    if ((nproto = mp_negotiate(fd)) < 0)
        goto err;
    proto = (unsigned long)nproto;
    if (mp_conninfo(fd, proto, "client.example", "192.0.2.7") < 0)
        goto err;
    if (mp_send(fd, 'H', "stress.example", 15) < 0 ||
        mp_stage_reply(fd, proto, 0x2000) < 0)
        goto err;
    for (m = 0; m < msgs_per_conn && mp_now() < stop_at; m++) {
        int r;
        len = mp_strings(buf, "<a@example.com>", NULL);
        if (mp_send(fd, 'M', buf, len) < 0 ||
            mp_stage_reply(fd, proto, 0x4000) < 0)
            goto err;
        len = mp_strings(buf, "<b@example.org>", NULL);
        if (mp_send(fd, 'R', buf, len) < 0 ||
            mp_stage_reply(fd, proto, 0x8000) < 0)
            goto err;
        if ((int)m == drop_at) {            /* vanish mid-message */
            c->dropped++;
            close(fd);
            return 0;
        }
        len = mp_strings(buf, "Subject", "stress");
        if (mp_send(fd, 'L', buf, len) < 0 ||
            mp_stage_reply(fd, proto, 0x80) < 0)
            goto err;
        if (mp_send(fd, 'N', NULL, 0) < 0 ||
            mp_stage_reply(fd, proto, 0x40000) < 0)
            goto err;
        memset(buf, 'x', 2048);
        if (mp_send(fd, 'B', buf, 2048) < 0 ||
            mp_stage_reply(fd, proto, 0x80000) < 0)
            goto err;
        if (mp_send(fd, 'E', NULL, 0) < 0)
            goto err;
        for (;;) {                          /* modifications, then verdict */
            if (mp_recv(fd, &cmd, buf, sizeof buf, &len) < 0)
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
    mp_send(fd, 'Q', NULL, 0);
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
    while (mp_now() < stop_at) {
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
    stop_at = mp_now() + atof(argv[3]);
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
