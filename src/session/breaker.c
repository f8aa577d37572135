/*
 * breaker.c - circuit breaker over script errors (see breaker.h).
 */
#include "breaker.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "script.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t breaker_lock = PTHREAD_MUTEX_INITIALIZER;
static int breaker_limit;           /* 0 = off */
static int breaker_window_s = 60;
static int breaker_mode_v;
static time_t *breaker_times;       /* ring of the last breaker_limit errors */
static int breaker_next;
static int breaker_tripped;         /* read without the lock */

/* breaker_setup - configure; errors 0 turns the breaker off */
void
breaker_setup(int errors, int window, int mode)
{
    pthread_mutex_lock(&breaker_lock);
    free(breaker_times);
    breaker_times = errors > 0 ? calloc((size_t)errors, sizeof *breaker_times)
                               : NULL;
    breaker_limit = breaker_times != NULL ? errors : 0;
    breaker_window_s = window;
    breaker_mode_v = mode;
    breaker_next = 0;
    __atomic_store_n(&breaker_tripped, 0, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&breaker_lock);
}

/* clear_times - forget the counted errors (lock held) */
static void
clear_times(void)
{
    int i;

    for (i = 0; i < breaker_limit; i++)
        breaker_times[i] = 0;
    breaker_next = 0;
}

/* trip - act on a tripped breaker (lock held) */
static void
trip(void)
{
    if (breaker_mode_v == BREAKER_LAST_GOOD && script_restore_previous()) {
        struct script *cur = script_current();
        if (cur != NULL)
            metrics_set_script(cur->hash, cur->serial);
        script_unref(cur);
        log_err("circuit breaker tripped: %d script errors within %d s; new "
                "connections use the previous script until a successful "
                "reload", breaker_limit, breaker_window_s);
        clear_times();
        return;
    }
    __atomic_store_n(&breaker_tripped, 1, __ATOMIC_RELEASE);
    metrics_set_breaker(1);
    log_err("circuit breaker tripped: %d script errors within %d s; "
            "answering on_error for everything until a successful reload",
            breaker_limit, breaker_window_s);
}

/* breaker_error - count one script error; may trip the breaker */
void
breaker_error(void)
{
    time_t now = time(NULL);
    time_t oldest;

    if (breaker_limit == 0 || __atomic_load_n(&breaker_tripped,
                                              __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&breaker_lock);
    if (breaker_limit > 0) {
        breaker_times[breaker_next] = now;
        breaker_next = (breaker_next + 1) % breaker_limit;
        oldest = breaker_times[breaker_next];
        if (oldest != 0 && now - oldest < breaker_window_s)
            trip();
    }
    pthread_mutex_unlock(&breaker_lock);
}

/* breaker_open - whether scripts are bypassed (mode on_error, tripped) */
int
breaker_open(void)
{
    return __atomic_load_n(&breaker_tripped, __ATOMIC_ACQUIRE);
}

/* breaker_reset - a successful reload closes the breaker */
void
breaker_reset(void)
{
    pthread_mutex_lock(&breaker_lock);
    clear_times();
    if (__atomic_load_n(&breaker_tripped, __ATOMIC_ACQUIRE))
        log_notice("circuit breaker reset by the reload");
    __atomic_store_n(&breaker_tripped, 0, __ATOMIC_RELEASE);
    metrics_set_breaker(0);
    pthread_mutex_unlock(&breaker_lock);
}
