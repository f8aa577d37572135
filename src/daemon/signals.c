/*
 * signals.c - the signal thread and the sigwait wrapper (see signals.h).
 */
#define _GNU_SOURCE
#include "signals.h"
#include "log.h"
#include "monotime.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

int __real_sigwait(const sigset_t *set, int *sig);
int __wrap_sigwait(const sigset_t *set, int *sig);

#define SIGNAL_TICK_MS 100     /* between ticks while a reload runs */

static int libmilter_parked;
static struct signal_handlers handlers;

/* __wrap_sigwait - libmilter's sigwait without the signals we own */
int
__wrap_sigwait(const sigset_t *set, int *sig)
{
    sigset_t mine = *set;

    sigdelset(&mine, SIGHUP);
    sigdelset(&mine, SIGTERM);
    sigdelset(&mine, SIGINT);
    __atomic_store_n(&libmilter_parked, 1, __ATOMIC_RELEASE);
    return __real_sigwait(&mine, sig);
}

/* owned_set - the signals the signal thread handles */
static void
owned_set(sigset_t *s)
{
    sigemptyset(s);
    sigaddset(s, SIGHUP);
    sigaddset(s, SIGTERM);
    sigaddset(s, SIGINT);
    sigaddset(s, SIGUSR1);
    sigaddset(s, SIGUSR2);
}

/* signals_block - block our signals before any thread exists */
void
signals_block(void)
{
    sigset_t s;

    owned_set(&s);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
}

/* wait_signal - the next of our signals, waiting at most SIGNAL_TICK_MS
 * when timed (-1 with errno EAGAIN when none came) */
static int
wait_signal(const sigset_t *s, int timed)
{
    struct timespec tick = {0, SIGNAL_TICK_MS * 1000000L};
    siginfo_t info;

    return timed ? sigtimedwait(s, &info, &tick) : sigwaitinfo(s, &info);
}

/* signal_loop - wait for signals and act on them; while the tick handler
 * says something is under way, wake up every SIGNAL_TICK_MS for it */
static void *
signal_loop(void *arg)
{
    double started = mono_now();
    sigset_t s;
    int checked = 0, busy = 0;

    (void)arg;
    owned_set(&s);
    for (;;) {
        int sig = wait_signal(&s, !checked || busy);
        if (!checked && (sig >= 0 || mono_now() - started >= 2)) {
            checked = 1;
            if (!__atomic_load_n(&libmilter_parked, __ATOMIC_ACQUIRE))
                log_warn("libmilter's signal thread is not using the "
                         "sigwait wrapper; SIGHUP may stop the milter");
        }
        if (sig == SIGHUP) {
            log_notice("SIGHUP: reloading the configuration and the policy script");
            handlers.reload();
        } else if (sig == SIGUSR1) {
            if (handlers.reopen != NULL)
                handlers.reopen();
        } else if (sig == SIGTERM || sig == SIGINT) {
            log_notice("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            handlers.stop(sig);
            return NULL;
        }
        busy = handlers.tick != NULL && handlers.tick();
    }
    return NULL;
}

/* signals_start - start the signal thread */
int
signals_start(const struct signal_handlers *h)
{
    pthread_t t;
    int rc;

    handlers = *h;
    rc = pthread_create(&t, NULL, signal_loop, NULL);
    if (rc != 0) {
        log_err("cannot start the signal thread: %s", strerror(rc));
        return -1;
    }
    pthread_detach(t);
    return 0;
}
