/*
 * sdnotify.c - systemd readiness, status, watchdog and socket activation
 * (see sdnotify.h), on libsystemd's sd-daemon calls.
 */
#include "sdnotify.h"
#include "log.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#define SDNOTIFY_STATUS_EVERY 5.0      /* seconds between STATUS= lines */

static sdnotify_status_fn status_of;
static int notify_on;                  /* NOTIFY_SOCKET was given */

/* status_line - "STATUS=..." from the daemon's status function */
static void
status_line(char *buf, size_t len)
{
    char st[512] = "";

    if (status_of != NULL)
        status_of(st, sizeof st);
    snprintf(buf, len, "STATUS=%s", st);
}

/* sdnotify_activated - whether systemd passed us listening sockets */
int
sdnotify_activated(void)
{
    const char *pid = getenv("LISTEN_PID");

    return getenv("LISTEN_FDS") != NULL && pid != NULL &&
           strtol(pid, NULL, 10) == (long)getpid();
}

/* sdnotify_listen_fd - the one socket systemd passed (TCP_NODELAY set on
 * an inet one), its description in what; -1 and why */
int
sdnotify_listen_fd(char *what, size_t whatlen, char *err, size_t errlen)
{
    int n = sd_listen_fds(1), fd = SD_LISTEN_FDS_START, one = 1;

    if (n < 0) {
        snprintf(err, errlen, "socket systemd: %s", strerror(-n));
        return -1;
    }
    if (n != 1) {
        snprintf(err, errlen, "socket systemd: systemd passed %d sockets, "
                 "luamilter serves exactly one (one ListenStream= in "
                 "luamilter.socket)", n);
        return -1;
    }
    if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
        snprintf(err, errlen, "socket systemd: descriptor %d is not a "
                 "listening stream socket", fd);
        return -1;
    }
    if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) > 0) {
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
            snprintf(err, errlen, "socket systemd: TCP_NODELAY: %s",
                     strerror(errno));
            return -1;
        }
        snprintf(what, whatlen, "an inet socket from systemd (fd %d, "
                 "TCP_NODELAY)", fd);
    } else {
        snprintf(what, whatlen, "a unix socket from systemd (fd %d)", fd);
    }
    return fd;
}

/* send_state - one sd_notify message, with the status appended */
static void
send_state(const char *state)
{
    char status[600], msg[800];

    if (!notify_on)
        return;
    status_line(status, sizeof status);
    snprintf(msg, sizeof msg, "%s%s%s", state, state[0] ? "\n" : "",
             status);
    sd_notify(0, msg);
}

/* sdnotify_ready - READY=1: serving (at start, and after each reload) */
void
sdnotify_ready(void)
{
    send_state("READY=1");
}

/* sdnotify_reloading - RELOADING=1 with the monotonic time of the start,
 * as systemd's reload protocol asks */
void
sdnotify_reloading(void)
{
    struct timespec ts;
    char msg[96];

    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL +
                 (unsigned long long)ts.tv_nsec / 1000ULL);
    send_state(msg);
}

/* sdnotify_stopping - STOPPING=1: draining after SIGTERM */
void
sdnotify_stopping(void)
{
    send_state("STOPPING=1");
}

/* keeper - the thread that sends WATCHDOG=1 (when WatchdogSec is set) and
 * the status, each at its interval */
static void *
keeper(void *arg)
{
    double dog = *(double *)arg, since_status = 0, tick;
    struct timespec ts;

    free(arg);
    tick = dog > 0 && dog / 2 < SDNOTIFY_STATUS_EVERY ? dog / 2
                                                      : SDNOTIFY_STATUS_EVERY;
    for (;;) {
        ts.tv_sec = (time_t)tick;
        ts.tv_nsec = (long)((tick - (double)ts.tv_sec) * 1e9);
        nanosleep(&ts, NULL);
        since_status += tick;
        if (dog > 0)
            sd_notify(0, "WATCHDOG=1");
        if (since_status >= SDNOTIFY_STATUS_EVERY) {
            send_state("");
            since_status = 0;
        }
    }
    return NULL;
}

/* sdnotify_start - under systemd, remember how to tell the status and
 * start the keeper thread (signals blocked); 0, or -1 with a warning */
int
sdnotify_start(sdnotify_status_fn status)
{
    uint64_t usec = 0;
    double *dog;
    pthread_t t;
    pthread_attr_t attr;
    sigset_t all, old;
    int rc;

    status_of = status;
    notify_on = getenv("NOTIFY_SOCKET") != NULL;
    if (!notify_on)
        return 0;
    dog = malloc(sizeof *dog);
    if (dog == NULL)
        return -1;
    *dog = sd_watchdog_enabled(0, &usec) > 0 ? (double)usec / 1e6 : 0;
    if (*dog > 0)
        log_info("systemd watchdog: WATCHDOG=1 every %.3g s", *dog / 2);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&t, &attr, keeper, dog);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        free(dog);
        log_warn("systemd: cannot start the status thread: %s",
                 strerror(rc));
        return -1;
    }
    return 0;
}
