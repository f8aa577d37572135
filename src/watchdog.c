/*
 * watchdog.c - notices callbacks stuck past their time budget (see
 * watchdog.h).
 */
#include "watchdog.h"
#include "conn.h"
#include "monotime.h"
#include "log.h"
#include "stage.h"

#include <pthread.h>

#define WATCHDOG_PERIOD_MS 250  /* between looks */
#define WATCHDOG_GRACE 0.5      /* seconds past the deadline before a word */

/* check_stuck - log c once per deadline if it is well past it */
static void
check_stuck(struct conn *c, void *ud)
{
    double now = *(double *)ud, deadline;

    __atomic_load(&c->deadline, &deadline, __ATOMIC_RELAXED);
    if (deadline == 0 || now < deadline + WATCHDOG_GRACE ||
        c->stuck_warned == deadline)
        return;
    c->stuck_warned = deadline;
    log_warn("conn#%lu: %s is %.1f s past callback_timeout inside a library "
             "call the time budget cannot interrupt (a string pattern with "
             "heavy backtracking?); it gets on_error when the call returns",
             c->id, c->budget_stage == ST_NONE ? "the script's top level"
                                               : stage_name(c->budget_stage),
             now - deadline);
}

/* watchdog_main - look at the live conns every WATCHDOG_PERIOD_MS */
static void *
watchdog_main(void *arg)
{
    struct timespec period = {0, WATCHDOG_PERIOD_MS * 1000000L};
    double now;

    (void)arg;
    for (;;) {
        nanosleep(&period, NULL);
        now = mono_now();
        conn_each_live(check_stuck, &now);
    }
    return NULL;
}

/* watchdog_start - start the watchdog thread; -1 if it cannot be */
int
watchdog_start(void)
{
    pthread_t t;

    if (pthread_create(&t, NULL, watchdog_main, NULL) != 0)
        return -1;
    pthread_detach(t);
    return 0;
}
