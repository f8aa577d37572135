/* unit_reload.c - the reload thread (reload.c): a commit, SIGHUPs merged
 * into one more pass, refusal at reload_timeout with the late result
 * discarded, SIGTERM abandoning a reload, the cap on stuck reloads.  The
 * reload's work is a fake that waits at a gate the test opens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/daemon/reload.c"

#define WAIT_LIMIT 10.0         /* seconds any wait of a test may take */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open;           /* prepare may return */
static int prepared, committed, discarded;
static double fake_timeout;

/* fake_prepare - wait (bounded) for the gate, then return a candidate */
static void *
fake_prepare(char *err, size_t errlen)
{
    struct timespec until;
    int *candidate = malloc(sizeof *candidate);

    (void)err;
    (void)errlen;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)WAIT_LIMIT;
    pthread_mutex_lock(&gate_lock);
    while (!gate_open &&
           pthread_cond_timedwait(&gate_cond, &gate_lock, &until) == 0)
        ;
    prepared++;
    pthread_mutex_unlock(&gate_lock);
    return candidate;
}

/* fake_commit - count and free a committed candidate */
static void
fake_commit(void *candidate)
{
    pthread_mutex_lock(&gate_lock);
    committed++;
    pthread_mutex_unlock(&gate_lock);
    free(candidate);
}

/* fake_discard - count and free a discarded candidate */
static void
fake_discard(void *candidate)
{
    pthread_mutex_lock(&gate_lock);
    discarded++;
    pthread_mutex_unlock(&gate_lock);
    free(candidate);
}

/* fake_timeout_now - the reload_timeout the test set */
static double
fake_timeout_now(void)
{
    return fake_timeout;
}

static const struct reload_ops fake_ops = {
    fake_prepare, fake_commit, fake_discard, fake_timeout_now, NULL
};

/* open_gate - let every waiting and later prepare return */
static void
open_gate(void)
{
    pthread_mutex_lock(&gate_lock);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
}

/* counter - read a counter under the gate lock */
static int
counter(const int *which)
{
    int v;

    pthread_mutex_lock(&gate_lock);
    v = *which;
    pthread_mutex_unlock(&gate_lock);
    return v;
}

/* threads_running - reload threads still running */
static int
threads_running(void)
{
    int n;

    pthread_mutex_lock(&reload_lock);
    n = reload_threads;
    pthread_mutex_unlock(&reload_lock);
    return n;
}

/* wait_for - poll until *which reaches want (bounded); fails otherwise */
static void
wait_for(const int *which, int want, const char *what)
{
    double until = mono_now() + WAIT_LIMIT;
    struct timespec tick = {0, 5 * 1000 * 1000};

    while (counter(which) < want && mono_now() < until)
        nanosleep(&tick, NULL);
    if (counter(which) != want)
        fail_msg("%s: %d, expected %d", what, counter(which), want);
}

/* wait_idle - poll until no reload thread runs (bounded) */
static void
wait_idle(void)
{
    double until = mono_now() + WAIT_LIMIT;
    struct timespec tick = {0, 5 * 1000 * 1000};

    while (threads_running() > 0 && mono_now() < until)
        nanosleep(&tick, NULL);
    assert_int_equal(threads_running(), 0);
}

/* tick_until_idle - call reload_tick as the signal thread does until no
 * reload is active (bounded); fails if it stays active */
static void
tick_until_idle(void)
{
    double until = mono_now() + WAIT_LIMIT;
    struct timespec tick = {0, 10 * 1000 * 1000};

    while (reload_tick() && mono_now() < until)
        nanosleep(&tick, NULL);
    assert_int_equal(reload_tick(), 0);
}

/* setup - a fresh reload state, the gate closed, counters at 0 */
static int
setup(void **state)
{
    (void)state;
    wait_idle();
    reload_active = NULL;
    reload_again = reload_stopping = reload_threads = 0;
    gate_open = prepared = committed = discarded = 0;
    fake_timeout = WAIT_LIMIT;
    reload_setup(&fake_ops);
    return 0;
}

/* teardown - let any thread left behind end */
static int
teardown(void **state)
{
    (void)state;
    open_gate();
    wait_idle();
    return 0;
}

/* test_commit - a reload prepares and commits; reload_tick goes idle */
static void
test_commit(void **state)
{
    (void)state;
    reload_request();
    assert_int_equal(reload_tick(), 1);
    open_gate();
    wait_for(&committed, 1, "commits");
    tick_until_idle();
    wait_idle();
    assert_int_equal(discarded, 0);
}

/* test_merge - SIGHUPs during a reload make one more pass, not more */
static void
test_merge(void **state)
{
    (void)state;
    reload_request();
    reload_request();
    reload_request();
    assert_int_equal(threads_running(), 1);
    open_gate();
    wait_for(&committed, 2, "commits");
    tick_until_idle();
    wait_idle();
    assert_int_equal(prepared, 2);
}

/* test_timeout - past reload_timeout the reload is refused and whatever it
 * produces later is discarded, never committed */
static void
test_timeout(void **state)
{
    (void)state;
    fake_timeout = 0.1;
    reload_request();
    tick_until_idle();              /* refused at reload_timeout */
    assert_int_equal(threads_running(), 1);
    open_gate();
    wait_for(&discarded, 1, "discards");
    wait_idle();
    assert_int_equal(committed, 0);
}

/* test_again_after_refusal - a SIGHUP during a reload refused at
 * reload_timeout starts a new reload at once */
static void
test_again_after_refusal(void **state)
{
    (void)state;
    fake_timeout = 0.1;
    reload_request();
    reload_request();               /* merged */
    fake_timeout = WAIT_LIMIT;      /* the next one has time */
    {
        double until = mono_now() + WAIT_LIMIT;
        struct timespec tick = {0, 10 * 1000 * 1000};
        while (threads_running() < 2 && mono_now() < until) {
            reload_tick();
            nanosleep(&tick, NULL);
        }
    }
    assert_int_equal(threads_running(), 2);     /* stuck one + new one */
    assert_int_equal(reload_tick(), 1);
    open_gate();
    wait_for(&committed, 1, "commits of the new reload");
    wait_for(&discarded, 1, "discards of the refused one");
    wait_idle();
}

/* test_stop - SIGTERM abandons the reload running: reload_stop says a
 * thread still runs, its result is discarded, later SIGHUPs do nothing */
static void
test_stop(void **state)
{
    (void)state;
    reload_request();
    assert_int_equal(reload_stop("SIGTERM"), 1);
    assert_int_equal(reload_tick(), 0);
    reload_request();
    assert_int_equal(threads_running(), 1);
    open_gate();
    wait_for(&discarded, 1, "discards");
    wait_idle();
    assert_int_equal(committed, 0);
    assert_int_equal(reload_stop("SIGTERM"), 0);
}

/* test_stuck_cap - while RELOAD_MAX_STUCK refused reloads still run, a
 * SIGHUP starts no thread; once they end, reloads work again */
static void
test_stuck_cap(void **state)
{
    int i;

    (void)state;
    fake_timeout = 0.05;
    for (i = 0; i < RELOAD_MAX_STUCK; i++) {
        reload_request();
        tick_until_idle();
    }
    assert_int_equal(threads_running(), RELOAD_MAX_STUCK);
    reload_request();
    assert_int_equal(threads_running(), RELOAD_MAX_STUCK);
    assert_int_equal(reload_tick(), 0);
    open_gate();
    wait_for(&discarded, RELOAD_MAX_STUCK, "discards");
    wait_idle();
    fake_timeout = WAIT_LIMIT;
    reload_request();
    wait_for(&committed, 1, "commits after the stuck ones ended");
    tick_until_idle();
}

/* main - run the reload tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_again_after_refusal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stuck_cap, setup, teardown),
    };

    log_setup(0, LOGL_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
