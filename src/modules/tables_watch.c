/*
 * tables_watch.c - the housekeeping thread that reads table files again
 * when they change (tables.h).
 *
 * Every check_interval seconds (table_check) it calls tables_reg_reload;
 * the interval is read again each time, so a reload may change it (with
 * table_check 0 the thread wakes every second and does nothing).
 * tables_watch_stop wakes it and joins it: the wait is at most one reload
 * in progress (reading the files that changed).
 */
#include "tables.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* watch_main - the thread: sleep, check, until told to stop */
static void *
watch_main(void *arg)
{
    struct tables_reg *reg = arg;
    struct tables_watch *w = tables_reg_watch(reg);

    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        double interval = tables_reg_interval(reg);
        struct timespec until;
        long long ns;

        if (interval <= 0)
            interval = 1;
        clock_gettime(CLOCK_MONOTONIC, &until);
        ns = until.tv_nsec + (long long)((interval - (long long)interval) * 1e9);
        until.tv_sec += (time_t)interval + (time_t)(ns / 1000000000LL);
        until.tv_nsec = (long)(ns % 1000000000LL);
        while (!w->stopping
               && pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0)
            ;
        if (w->stopping)
            break;
        pthread_mutex_unlock(&w->lock);
        tables_reg_reload(reg, 0);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* tables_watch_start - start the thread; -1 with err */
int
tables_watch_start(struct tables_reg *reg, char *err, size_t errlen)
{
    struct tables_watch *w = tables_reg_watch(reg);
    pthread_condattr_t attr;
    int rc;

    if (w->running)
        return 0;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &attr);
    pthread_condattr_destroy(&attr);
    w->stopping = 0;
    rc = pthread_create(&w->thread, NULL, watch_main, reg);
    if (rc != 0) {
        pthread_cond_destroy(&w->wake);
        snprintf(err, errlen, "cannot start the table watcher: %s",
                 strerror(rc));
        return -1;
    }
    w->running = 1;
    return 0;
}

/* tables_watch_stop - stop the thread and wait for it */
void
tables_watch_stop(struct tables_reg *reg)
{
    struct tables_watch *w = tables_reg_watch(reg);

    if (!w->running)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    w->running = 0;
}
