/*
 * client.c - benchmark client: the MTA side of the milter protocol.
 *
 * usage: client -s SOCKET [-c CONCURRENCY] [-n MESSAGES] [-m PER_CONN]
 *               [-r RCPTS] [-H HEADERS] [-b BODY_BYTES] [-i IDLE_CONNS]
 *               [-a CLIENT_ADDR]
 *
 * Sends MESSAGES messages over CONCURRENCY parallel sessions (PER_CONN
 * messages per connection), each with RCPTS recipients, HEADERS headers and
 * a BODY_BYTES body, honouring the filter's NO* and NR* choices and reading
 * every modification at end of message.  Prints one line:
 *   msgs N secs S rate R p50_ms X p99_ms Y errors E
 * With -i it instead opens IDLE_CONNS sessions (negotiate and connect),
 * holds them until stdin closes, and prints "idle N".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "../tools/mproto.h"

struct opts {
    const char *sock;
    const char *addr;           /* the client address connect reports */
    int conc, per_conn, rcpts, headers, body;
    long msgs, idle;
};

static struct opts o = {NULL, "192.0.2.1", 8, 1, 5, 20, 10240, 1000, 0};
static long next_msg;           /* messages handed out so far */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double *lat;             /* latency of each message, seconds */
static long nlat, errors;

/* take - claim the next message number, or -1 when all are taken */
static long
take(void)
{
    long m = __atomic_fetch_add(&next_msg, 1, __ATOMIC_RELAXED);

    return m < o.msgs ? m : -1;
}

/* one_message - MAIL..EOM on an open session; its latency or -1 */
static double
one_message(int fd, unsigned long proto)
{
    static const unsigned long skip[] = {0x4, 0x8, 0x20, 0x40, 0x10};
    char buf[70000], cmd;
    size_t len;
    double t0 = mp_now();
    int i;

    if (!(proto & skip[0])) {
        len = mp_strings(buf, "<sender@example.com>", "SIZE=20000");
        if (mp_send(fd, 'M', buf, len) < 0 ||
            mp_stage_reply(fd, proto, MP_NR_MAIL) < 0)
            return -1;
    }
    for (i = 0; i < o.rcpts && !(proto & skip[1]); i++) {
        char r[64];
        snprintf(r, sizeof r, "<rcpt%d@example.org>", i);
        len = mp_strings(buf, r, NULL);
        if (mp_send(fd, 'R', buf, len) < 0 ||
            mp_stage_reply(fd, proto, MP_NR_RCPT) < 0)
            return -1;
    }
    for (i = 0; i < o.headers && !(proto & skip[2]); i++) {
        char n[32], v[96];
        snprintf(n, sizeof n, i == 0 ? "From" : i == 1 ? "Subject" : "X-H%d", i);
        snprintf(v, sizeof v, i == 0 ? "Sender <sender@example.com>"
                                     : "value of header %d, some text", i);
        len = mp_strings(buf, n, v);
        if (mp_send(fd, 'L', buf, len) < 0 ||
            mp_stage_reply(fd, proto, MP_NR_HDR) < 0)
            return -1;
    }
    if (!(proto & skip[3]) && (mp_send(fd, 'N', NULL, 0) < 0 ||
                               mp_stage_reply(fd, proto, MP_NR_EOH) < 0))
        return -1;
    if (!(proto & skip[4])) {
        int left = o.body;
        memset(buf, 'x', sizeof buf);
        while (left > 0) {
            int n = left > 65535 ? 65535 : left;
            int r;
            if (mp_send(fd, 'B', buf, (size_t)n) < 0)
                return -1;
            r = mp_stage_reply(fd, proto, MP_NR_BODY);
            if (r < 0)
                return -1;
            if (r == 's')
                break;
            left -= n;
        }
    }
    if (mp_send(fd, 'E', NULL, 0) < 0)
        return -1;
    do {
        if (mp_recv(fd, &cmd, buf, sizeof buf, &len) < 0)
            return -1;
    } while (!mp_is_verdict(cmd) || cmd == 's');
    return mp_now() - t0;
}

/* worker - sessions until every message is sent */
static void *
worker(void *arg)
{
    double *mine = calloc((size_t)o.msgs, sizeof *mine);
    long n = 0, errs = 0, m = take();

    (void)arg;
    while (m >= 0) {
        int fd = mp_connect(o.sock), k;
        long proto = fd >= 0 ? mp_negotiate(fd) : -1;

        if (proto < 0 || mp_conninfo(fd, (unsigned long)proto,
                                     "client.example", o.addr) < 0) {
            errs++;
            if (fd >= 0)
                close(fd);
            m = take();
            continue;
        }
        if (!(proto & 0x2)) {
            char buf[64];
            size_t len = mp_strings(buf, "client.example", NULL);
            if (mp_send(fd, 'H', buf, len) < 0 ||
                mp_stage_reply(fd, (unsigned long)proto, MP_NR_HELO) < 0)
                errs++;
        }
        for (k = 0; k < o.per_conn && m >= 0; k++) {
            double t = one_message(fd, (unsigned long)proto);
            if (t < 0) {
                errs++;
                m = take();
                break;
            }
            mine[n++] = t;
            m = k + 1 < o.per_conn ? take() : m;
        }
        mp_send(fd, 'Q', NULL, 0);
        close(fd);
        if (k >= o.per_conn)
            m = take();
    }
    pthread_mutex_lock(&lock);
    memcpy(lat + nlat, mine, (size_t)n * sizeof *mine);
    nlat += n;
    errors += errs;
    pthread_mutex_unlock(&lock);
    free(mine);
    return NULL;
}

/* cmp_double - qsort order */
static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* idle_mode - hold sessions open until stdin closes */
static int
idle_mode(void)
{
    long i, ok = 0;
    int *fds = calloc((size_t)o.idle, sizeof *fds);
    char c;

    for (i = 0; i < o.idle; i++) {
        long proto;
        fds[i] = mp_connect(o.sock);
        proto = fds[i] >= 0 ? mp_negotiate(fds[i]) : -1;
        if (proto >= 0 && mp_conninfo(fds[i], (unsigned long)proto,
                                      "client.example", o.addr) >= 0)
            ok++;
    }
    printf("idle %ld\n", ok);
    fflush(stdout);
    while (read(0, &c, 1) > 0)
        ;
    for (i = 0; i < o.idle; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return ok == o.idle ? 0 : 1;
}

/* main - parse options, run, print the line */
int
main(int argc, char **argv)
{
    pthread_t *t;
    int ch, i;
    double t0, secs;

    while ((ch = getopt(argc, argv, "s:c:n:m:r:H:b:i:a:")) != -1) {
        switch (ch) {
        case 's': o.sock = optarg; break;
        case 'a': o.addr = optarg; break;
        case 'c': o.conc = atoi(optarg); break;
        case 'n': o.msgs = atol(optarg); break;
        case 'm': o.per_conn = atoi(optarg); break;
        case 'r': o.rcpts = atoi(optarg); break;
        case 'H': o.headers = atoi(optarg); break;
        case 'b': o.body = atoi(optarg); break;
        case 'i': o.idle = atol(optarg); break;
        default: return 2;
        }
    }
    if (o.sock == NULL || o.conc < 1 || o.msgs < 1 || o.per_conn < 1) {
        fprintf(stderr, "usage: client -s SOCKET [-a ADDR] [-c N] [-n N] [-m N] "
                "[-r N] [-H N] [-b BYTES] [-i N]\n");
        return 2;
    }
    if (o.idle > 0)
        return idle_mode();
    lat = calloc((size_t)o.msgs, sizeof *lat);
    t = calloc((size_t)o.conc, sizeof *t);
    t0 = mp_now();
    for (i = 0; i < o.conc; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (i = 0; i < o.conc; i++)
        pthread_join(t[i], NULL);
    secs = mp_now() - t0;
    qsort(lat, (size_t)nlat, sizeof *lat, cmp_double);
    printf("msgs %ld secs %.3f rate %.0f p50_ms %.3f p99_ms %.3f errors %ld\n",
           nlat, secs, nlat / secs, nlat ? lat[nlat / 2] * 1000 : 0,
           nlat ? lat[(long)(nlat * 0.99)] * 1000 : 0, errors);
    return errors == 0 ? 0 : 1;
}
