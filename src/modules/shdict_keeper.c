/*
 * shdict_keeper.c - the housekeeping thread of the shared dictionaries
 * (see shdict_keeper.h).
 */
#include "shdict_keeper.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

struct shdict_keeper {
    struct shdict_set *set;
    double interval;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
};

/* mono_seconds - the monotonic clock */
static double
mono_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* shdict_set_sweep - one pass: at most steps sweeps of step entries in
 * each dictionary, and no new step once max_seconds have passed; *more is
 * set when something was left to sweep; returns the entries freed */
size_t
shdict_set_sweep(struct shdict_set *s, size_t step, size_t steps,
                 double max_seconds, int *more)
{
    double until = mono_seconds() + max_seconds;
    struct shdict *d;
    size_t i, k, got, total = 0;

    *more = 0;
    for (i = 0; (d = shdict_set_at(s, i)) != NULL; i++) {
        for (k = 0; k < steps; k++) {
            if (mono_seconds() > until) {
                *more = 1;
                return total;
            }
            got = shdict_sweep(d, step);
            total += got;
            if (got < step)
                break;
        }
        if (k == steps)
            *more = 1;
    }
    return total;
}

/* deadline_after - the CLOCK_MONOTONIC time seconds from now */
static struct timespec
deadline_after(double seconds)
{
    struct timespec ts;
    long long ns;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ns = ts.tv_nsec + (long long)(seconds * 1e9);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    return ts;
}

/* keeper_main - sweep, wait, until told to stop */
static void *
keeper_main(void *arg)
{
    struct shdict_keeper *k = arg;
    struct timespec until;
    int more = 0;

    pthread_mutex_lock(&k->lock);
    while (!k->stop) {
        until = deadline_after(more ? SHDICT_SWEEP_AGAIN : k->interval);
        while (!k->stop &&
               pthread_cond_timedwait(&k->wake, &k->lock, &until) == 0)
            ;
        if (k->stop)
            break;
        pthread_mutex_unlock(&k->lock);
        shdict_set_sweep(k->set, SHDICT_SWEEP_STEP, SHDICT_SWEEP_STEPS,
                         SHDICT_SWEEP_SECONDS, &more);
        pthread_mutex_lock(&k->lock);
    }
    pthread_mutex_unlock(&k->lock);
    return NULL;
}

/* shdict_housekeeper_start - a thread sweeping s every interval seconds
 * (at least 0.01); NULL if it cannot be started */
struct shdict_keeper *
shdict_housekeeper_start(struct shdict_set *s, double interval)
{
    struct shdict_keeper *k = calloc(1, sizeof *k);
    pthread_condattr_t ca;
    sigset_t all, old;
    int rc;

    if (k == NULL)
        return NULL;
    k->set = s;
    k->interval = interval >= 0.01 ? interval : 0.01;
    if (pthread_mutex_init(&k->lock, NULL) != 0) {
        free(k);
        return NULL;
    }
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    rc = pthread_cond_init(&k->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0) {
        pthread_mutex_destroy(&k->lock);
        free(k);
        return NULL;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&k->thread, NULL, keeper_main, k);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&k->wake);
        pthread_mutex_destroy(&k->lock);
        free(k);
        return NULL;
    }
    return k;
}

/* shdict_housekeeper_stop - stop the thread (it finishes at most the pass
 * it is in, which is bounded) and release it; NULL is ignored */
void
shdict_housekeeper_stop(struct shdict_keeper *k)
{
    if (k == NULL)
        return;
    pthread_mutex_lock(&k->lock);
    k->stop = 1;
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->lock);
    pthread_join(k->thread, NULL);
    pthread_cond_destroy(&k->wake);
    pthread_mutex_destroy(&k->lock);
    free(k);
}
