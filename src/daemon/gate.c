/*
 * gate.c - counting, refusing and dropping connections at accept (see
 * gate.h).
 *
 * One slot per file descriptor number says whether that descriptor is a
 * connection libmilter accepted, and since when.  The slots change under
 * gate_lock: accept fills one, close empties it before the descriptor is
 * really closed, and the sweeper shuts a silent one down while holding the
 * lock, so it can never hit a descriptor number already reused.
 */
#define _GNU_SOURCE
#include "gate.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GATE_SWEEP_MS 250       /* between looks for silent connections */
#define GATE_REPORT_EVERY 5.0   /* seconds between reports of refusals */
#define GATE_NOFD_SLEEP_MS 50   /* accept out of descriptors: pause */
#define GATE_NOFD_REPORT 10     /* seconds between such reports */
#define GATE_MAX_SLOTS (1L << 22)

int __real_accept(int fd, struct sockaddr *addr, socklen_t *len);
int __wrap_accept(int fd, struct sockaddr *addr, socklen_t *len);
int __real_close(int fd);
int __wrap_close(int fd);
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);

enum slot_state {
    SLOT_FREE = 0,      /* not a connection we track */
    SLOT_SILENT,        /* accepted, not negotiated yet */
    SLOT_NEGOTIATED,    /* the MTA's OPTNEG was handled */
    SLOT_DROPPED        /* shut down for silence (no longer counted), not
                         * closed yet */
};

struct slot {
    int state;          /* enum slot_state, read without the lock too */
    double since;       /* when it was accepted (monotonic seconds) */
};

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *gate_slots;     /* NULL: pass everything through */
static long gate_nslots;
static long gate_high;              /* above the highest slot ever used */
static long gate_open;              /* tracked connections */
static int gate_max;                /* max_connections, 0 = no limit */
static double gate_negotiate;       /* negotiate_timeout, 0 = none */
static long gate_refused;           /* closed at once, not reported yet */
static double gate_next_report;     /* when refusals may be reported */
static __thread int gate_last_read = -1;    /* fd this thread read last */

/* gate_init - slots for descriptors below nofile (-1: unknown); -1 if
 * there is no memory for them */
int
gate_init(long nofile)
{
    long n = nofile > 0 && nofile < GATE_MAX_SLOTS ? nofile : GATE_MAX_SLOTS;

    gate_slots = calloc((size_t)n, sizeof *gate_slots);
    if (gate_slots == NULL) {
        log_err("no memory to track %ld connections", n);
        return -1;
    }
    gate_nslots = n;
    return 0;
}

/* gate_set_limits - max_connections (0: none) and negotiate_timeout in
 * seconds (0: none), from the start and after each reload */
void
gate_set_limits(int max_connections, double negotiate_timeout)
{
    pthread_mutex_lock(&gate_lock);
    gate_max = max_connections;
    gate_negotiate = negotiate_timeout;
    pthread_mutex_unlock(&gate_lock);
}

/* gate_count - connections accepted and not closed yet */
long
gate_count(void)
{
    return __atomic_load_n(&gate_open, __ATOMIC_RELAXED);
}

/* report_refused - log the connections closed at once since the last
 * report, at most every GATE_REPORT_EVERY seconds */
static void
report_refused(double now)
{
    long n;
    int max;

    pthread_mutex_lock(&gate_lock);
    n = gate_refused;
    max = gate_max;
    if (n == 0 || now < gate_next_report) {
        pthread_mutex_unlock(&gate_lock);
        return;
    }
    gate_refused = 0;
    gate_next_report = now + GATE_REPORT_EVERY;
    pthread_mutex_unlock(&gate_lock);
    log_warn("max_connections (%d) reached: %ld new connection%s closed at "
             "once, without a reply (the MTA applies its own default, "
             "Postfix's milter_default_action)", max, n, n == 1 ? "" : "s");
}

/* out_of_descriptors - accept has no descriptor for a waiting connection:
 * pause, so that libmilter's listener does not spin, and say so now and
 * then; errno is kept */
static void
out_of_descriptors(void)
{
    static long next;       /* monotonic second of the next report */
    struct timespec pause = {0, GATE_NOFD_SLEEP_MS * 1000000L};
    int saved = errno;
    long now = (long)mono_now();

    if (now >= __atomic_load_n(&next, __ATOMIC_RELAXED)) {
        __atomic_store_n(&next, now + GATE_NOFD_REPORT, __ATOMIC_RELAXED);
        log_warn("accept: %s; a connection waits in the listen queue (set "
                 "max_connections below the file descriptor limit)",
                 saved == EMFILE ? "out of file descriptors"
                                 : "the system is out of file descriptors");
    }
    nanosleep(&pause, NULL);
    errno = saved;
}

/* __wrap_accept - libmilter's accept: count the connection, or close it at
 * once when max_connections are open (ECONNABORTED: libmilter goes on) */
int
__wrap_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    int c = __real_accept(fd, addr, len);
    int refuse;

    if (c < 0) {
        if (errno == EMFILE || errno == ENFILE)
            out_of_descriptors();
        return c;
    }
    if (gate_slots == NULL)
        return c;
    pthread_mutex_lock(&gate_lock);
    refuse = c >= gate_nslots || (gate_max > 0 && gate_open >= gate_max);
    if (refuse) {
        gate_refused++;
        metrics_count_connection_refused();
    } else {
        gate_slots[c].since = mono_now();
        __atomic_store_n(&gate_slots[c].state, SLOT_SILENT, __ATOMIC_RELEASE);
        __atomic_add_fetch(&gate_open, 1, __ATOMIC_RELAXED);
        if (c >= gate_high)
            gate_high = c + 1;
    }
    pthread_mutex_unlock(&gate_lock);
    if (!refuse)
        return c;
    __real_close(c);
    report_refused(mono_now());
    errno = ECONNABORTED;
    return -1;
}

/* __wrap_close - stop counting a connection before its descriptor number
 * can be reused */
int
__wrap_close(int fd)
{
    if (gate_slots != NULL && fd >= 0 && fd < gate_nslots &&
        __atomic_load_n(&gate_slots[fd].state, __ATOMIC_ACQUIRE) !=
            SLOT_FREE) {
        pthread_mutex_lock(&gate_lock);
        if (gate_slots[fd].state != SLOT_FREE) {
            if (gate_slots[fd].state != SLOT_DROPPED)   /* counted out */
                __atomic_sub_fetch(&gate_open, 1, __ATOMIC_RELAXED);
            __atomic_store_n(&gate_slots[fd].state, SLOT_FREE,
                             __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&gate_lock);
    }
    return __real_close(fd);
}

/* __wrap_read - note which descriptor this thread reads, so that the
 * negotiate callback that follows knows its connection */
ssize_t
__wrap_read(int fd, void *buf, size_t n)
{
    gate_last_read = fd;
    return __real_read(fd, buf, n);
}

/* gate_negotiated - called from the negotiate callback: the connection
 * whose packet this thread just read has negotiated */
void
gate_negotiated(void)
{
    int fd = gate_last_read;

    if (gate_slots == NULL || fd < 0 || fd >= gate_nslots)
        return;
    pthread_mutex_lock(&gate_lock);
    if (gate_slots[fd].state == SLOT_SILENT)
        __atomic_store_n(&gate_slots[fd].state, SLOT_NEGOTIATED,
                         __ATOMIC_RELEASE);
    pthread_mutex_unlock(&gate_lock);
}

/* sweep - shut down the connections silent past negotiate_timeout; how
 * many, and the timeout */
static long
sweep(double now, double *timeout)
{
    long fd, dropped = 0;
    int waiting;

    pthread_mutex_lock(&gate_lock);
    *timeout = gate_negotiate;
    for (fd = 0; gate_negotiate > 0 && fd < gate_high; fd++) {
        if (gate_slots[fd].state != SLOT_SILENT ||
            now - gate_slots[fd].since < gate_negotiate)
            continue;
        if (ioctl((int)fd, FIONREAD, &waiting) == 0 && waiting > 0)
            continue;               /* it spoke; a worker is yet to read */
        gate_slots[fd].state = SLOT_DROPPED;
        /* counted out before the peer can see it closed, so that a
         * connection it opens next is not refused for this one */
        __atomic_sub_fetch(&gate_open, 1, __ATOMIC_RELAXED);
        shutdown((int)fd, SHUT_RDWR);   /* libmilter sees EOF, closes */
        dropped++;
    }
    pthread_mutex_unlock(&gate_lock);
    return dropped;
}

/* gate_main - sweep every GATE_SWEEP_MS, report what was done */
static void *
gate_main(void *arg)
{
    struct timespec period = {0, GATE_SWEEP_MS * 1000000L};
    double timeout, now;
    long dropped;

    (void)arg;
    for (;;) {
        nanosleep(&period, NULL);
        now = mono_now();
        dropped = sweep(now, &timeout);
        if (dropped > 0)
            log_notice("dropped %ld connection%s that did not negotiate "
                       "within negotiate_timeout (%g s)", dropped,
                       dropped == 1 ? "" : "s", timeout);
        report_refused(now);
    }
    return NULL;
}

/* gate_start - start the sweeper thread; -1 if it cannot be */
int
gate_start(void)
{
    pthread_t t;

    if (pthread_create(&t, NULL, gate_main, NULL) != 0)
        return -1;
    pthread_detach(t);
    return 0;
}
