/*
 * silent.c - a flood of connections that never send a byte, against a
 * milter: the test client of max_connections and negotiate_timeout.
 *
 * usage: silent [-n COUNT] [-q SECONDS] [-w SECONDS] SOCKET
 *
 * Opens COUNT connections (default 500, at most 5000) to SOCKET (unix:/path
 * or inet:PORT@HOST, loopback in the tests) and sends nothing on them.
 * Then one probe connection negotiates as an MTA would, to see whether the
 * milter answers while the silent ones are held.  Then waits, at most -w
 * seconds (default 30, at most 600), until the milter has closed every
 * silent connection, and prints one line each:
 *   opened N            connections established (failed N if some were not)
 *   probe closed        the probe got no answer to its negotiation and
 *                       connect, or: probe answered
 *   early N             closed within -q seconds of their connect (default 1)
 *   late N MIN MAX      closed after that, and the earliest and the latest
 *                       of those times (seconds since their connect)
 *   open N              still open when the wait ended
 * Exits 0, or 1 for a usage error or when nothing could be opened.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "mproto.h"

#define SILENT_MAX 5000
#define SILENT_MAX_WAIT 600.0

struct silent {
    int fd;             /* -1 once closed by the milter */
    double opened;      /* monotonic seconds of the connect */
    double closed;      /* ... and of the close seen, 0 while open */
};

/* usage - the command line, then exit 1 */
static void
usage(void)
{
    fprintf(stderr, "usage: silent [-n COUNT] [-q SECONDS] [-w SECONDS] "
            "SOCKET\n");
    exit(1);
}

/* raise_nofile - room for COUNT descriptors: the soft limit to the hard */
static void
raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* probe - whether the milter answers an MTA's negotiation and connect
 * now */
static const char *
probe(const char *spec)
{
    int fd = mp_connect(spec), answered;
    long proto;

    if (fd < 0)
        return "closed";
    proto = mp_negotiate(fd);
    answered = proto >= 0 &&
               mp_conninfo(fd, (unsigned long)proto, "probe.example",
                           "192.0.2.1") >= 0;
    close(fd);
    return answered ? "answered" : "closed";
}

/* watch - poll the open connections until all are closed or until the
 * deadline; a readable one (EOF, reset, or a byte) counts as closed */
static void
watch(struct silent *s, int n, double deadline)
{
    struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
    int *who = calloc((size_t)n, sizeof *who);
    int i, k, left;
    char byte;
    ssize_t r;

    if (pfd == NULL || who == NULL) {
        fprintf(stderr, "silent: out of memory\n");
        exit(1);
    }
    for (;;) {
        for (i = 0, left = 0; i < n; i++) {
            if (s[i].fd < 0)
                continue;
            pfd[left].fd = s[i].fd;
            pfd[left].events = POLLIN;
            pfd[left].revents = 0;
            who[left++] = i;
        }
        if (left == 0 || mp_now() >= deadline)
            break;
        if (poll(pfd, (nfds_t)left, 100) < 0 && errno != EINTR)
            break;
        for (k = 0; k < left; k++) {
            if (pfd[k].revents == 0)
                continue;
            i = who[k];
            r = read(s[i].fd, &byte, 1);
            (void)r;
            s[i].closed = mp_now();
            close(s[i].fd);
            s[i].fd = -1;
        }
    }
    free(pfd);
    free(who);
}

/* report - the summary lines of the usage */
static void
report(const struct silent *s, int n, double quick)
{
    int i, early = 0, late = 0, open = 0;
    double t, lo = 0, hi = 0;

    for (i = 0; i < n; i++) {
        if (s[i].fd >= 0) {
            open++;
            continue;
        }
        t = s[i].closed - s[i].opened;
        if (t < quick) {
            early++;
            continue;
        }
        if (late == 0 || t < lo)
            lo = t;
        if (late == 0 || t > hi)
            hi = t;
        late++;
    }
    printf("early %d\nlate %d %.3f %.3f\nopen %d\n", early, late, lo, hi,
           open);
}

/* main - open the flood, probe, watch, report */
int
main(int argc, char **argv)
{
    int n = 500, ch, i, opened = 0;
    double quick = 1, wait = 30;
    struct silent *s;
    const char *probed;

    while ((ch = getopt(argc, argv, "n:q:w:")) != -1) {
        switch (ch) {
        case 'n': n = atoi(optarg); break;
        case 'q': quick = atof(optarg); break;
        case 'w': wait = atof(optarg); break;
        default: usage();
        }
    }
    if (optind != argc - 1 || n < 1 || n > SILENT_MAX || !(quick > 0) ||
        !(wait > 0) || wait > SILENT_MAX_WAIT)
        usage();
    signal(SIGPIPE, SIG_IGN);   /* the milter may close before we write */
    raise_nofile();
    s = calloc((size_t)n, sizeof *s);
    if (s == NULL)
        return 1;
    for (i = 0; i < n; i++) {
        s[opened].opened = mp_now();
        s[opened].fd = mp_connect(argv[optind]);
        if (s[opened].fd >= 0)
            opened++;
    }
    printf("opened %d\n", opened);
    if (opened < n)
        printf("failed %d\n", n - opened);
    fflush(stdout);
    if (opened == 0)
        return 1;
    probed = probe(argv[optind]);
    printf("probe %s\n", probed);
    fflush(stdout);
    watch(s, opened, mp_now() + wait);
    report(s, opened, quick);
    free(s);
    return 0;
}
