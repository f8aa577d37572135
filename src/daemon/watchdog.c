/*
 * watchdog.c - notices callbacks stuck past their time budget (see
 * watchdog.h).
 */
#include "watchdog.h"
#include "budget.h"
#include "conn.h"
#include "monotime.h"
#include "log.h"
#include "stage.h"

#include <pthread.h>

#define WATCHDOG_PERIOD_MS 250  /* between looks */
#define WATCHDOG_GRACE 0.5      /* seconds past the deadline before a word */

#define WATCHDOG_BATCH 16       /* warnings gathered per look */

/* a stuck callback, copied out of its conn under the registry lock */
struct stuck {
    unsigned long id;
    enum stage stage;
    double late;
};

/* the look in progress */
struct look {
    double now;
    int n;
    struct stuck found[WATCHDOG_BATCH];
};

/* check_stuck - note c once per deadline if it is well past it (called
 * with the registry locked: copies, does not log) */
static void
check_stuck(struct conn *c, void *ud)
{
    struct look *lk = ud;
    double deadline;
    enum stage st;

    __atomic_load(&c->lc.deadline, &deadline, __ATOMIC_RELAXED);
    st = __atomic_load_n(&c->lc.budget_stage, __ATOMIC_RELAXED);
    if (deadline == 0 || lk->now < deadline + WATCHDOG_GRACE ||
        c->lc.stuck_warned == deadline || lk->n == WATCHDOG_BATCH)
        return;
    c->lc.stuck_warned = deadline;
    lk->found[lk->n].id = c->lc.id;
    lk->found[lk->n].stage = st;
    lk->found[lk->n].late = lk->now - deadline;
    lk->n++;
}

/* watchdog_main - look at the live conns every WATCHDOG_PERIOD_MS and log
 * what is stuck, outside the lock */
static void *
watchdog_main(void *arg)
{
    struct timespec period = {0, WATCHDOG_PERIOD_MS * 1000000L};
    struct look lk;
    int i;

    (void)arg;
    for (;;) {
        nanosleep(&period, NULL);
        lk.now = mono_now();
        lk.n = 0;
        conn_each_live(check_stuck, &lk);
        for (i = 0; i < lk.n; i++)
            log_warn("conn#%lu: %s is %.1f s past callback_timeout inside a "
                     "library call the time budget cannot interrupt (a "
                     "string pattern with heavy backtracking?); it gets "
                     "on_error when the call returns", lk.found[i].id,
                     budget_timed_name(lk.found[i].stage),
                     lk.found[i].late);
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
