/*
 * watchdog.c - notices callbacks stuck past their time budget (see
 * watchdog.h).
 */
#include "watchdog.h"
#include "budget.h"
#include "lconn.h"
#include "monotime.h"
#include "log.h"
#include "script.h"
#include "stage.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#define WATCHDOG_PERIOD_MS 250  /* between looks */
#define WATCHDOG_GRACE 0.5      /* seconds past the deadline before a word */

#define WATCHDOG_BATCH 16       /* warnings gathered per look */

/* a stuck callback, copied out of its conn under the registry lock */
struct stuck {
    unsigned long id;           /* 0: the check state of a new script */
    enum stage stage;
    double late;
    char script[256];           /* for a check state: the script's path */
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
check_stuck(struct lconn *c, void *ud)
{
    struct look *lk = ud;
    double deadline;
    enum stage st;

    __atomic_load(&c->deadline, &deadline, __ATOMIC_RELAXED);
    st = __atomic_load_n(&c->budget_stage, __ATOMIC_RELAXED);
    if (deadline == 0 || lk->now < deadline + WATCHDOG_GRACE ||
        c->stuck_warned == deadline || lk->n == WATCHDOG_BATCH)
        return;
    c->stuck_warned = deadline;
    lk->found[lk->n].id = c->id;
    lk->found[lk->n].stage = st;
    lk->found[lk->n].late = lk->now - deadline;
    snprintf(lk->found[lk->n].script, sizeof lk->found[lk->n].script, "%s",
             c->id == 0 && c->script != NULL ? c->script->path : "");
    lk->n++;
}

/* warn_stuck - log one stuck call: a connection's callback, or the check
 * of a new script (its top level or its tests) */
static void
warn_stuck(const struct stuck *st)
{
    char what[64];

    if (st->id == 0) {
        if (st->stage == ST_NONE)
            snprintf(what, sizeof what, "the script's top level (or its "
                     "tests)");
        else
            snprintf(what, sizeof what, "%s in one of its tests",
                     budget_timed_name(st->stage));
        log_warn("checking the script %s: %s is %.1f s past "
                 "callback_timeout inside a library call the time budget "
                 "cannot interrupt (a string pattern with heavy "
                 "backtracking, or an open that blocks?); the script is "
                 "refused when the call returns", st->script, what,
                 st->late);
    } else
        log_warn("conn#%lu: %s is %.1f s past callback_timeout inside a "
                 "library call the time budget cannot interrupt (a string "
                 "pattern with heavy backtracking?); it gets on_error when "
                 "the call returns", st->id, budget_timed_name(st->stage),
                 st->late);
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
        lstate_each_watched(check_stuck, &lk);
        for (i = 0; i < lk.n; i++)
            warn_stuck(&lk.found[i]);
    }
    return NULL;
}

/* watchdog_start - start the watchdog thread; -1 if it cannot be */
int
watchdog_start(void)
{
    sigset_t all, old;
    pthread_t t;
    int rc;

    /* it may start before the signal thread's signals are blocked: it
     * must never take them */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&t, NULL, watchdog_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    pthread_detach(t);
    return 0;
}
