/* unit_breaker.c - the circuit breaker (breaker.c): off at 0 errors;
 * tripped by breaker_errors within breaker_window seconds, and not by as
 * many spread wider; mode on_error bypasses scripts until a reload resets
 * it; mode last_good puts the previous script back, and trips to on_error
 * when there is none left.  Each trip and reset is logged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "breaker.h"
#include "config.h"
#include "log.h"
#include "policy_kit.h"
#include "script.h"

static const struct kit_limits limits = {2, 16u << 20, 0, NULL};

/* errors - count n script errors */
static void
errors(int n)
{
    while (n-- > 0)
        breaker_error();
}

/* count_of - how many captured log lines contain text */
static int
count_of(const char *text)
{
    const char *p = kit_log();
    int n = 0;

    while ((p = strstr(p, text)) != NULL) {
        n++;
        p += strlen(text);
    }
    return n;
}

/* test_off - breaker_errors = 0: nothing trips it */
static void
test_off(void **state)
{
    (void)state;
    breaker_setup(0, 60, BREAKER_ON_ERROR);
    errors(1000);
    assert_false(breaker_open());
}

/* test_on_error - the third error within 60 s trips it, once, logged;
 * a reload resets it, and counting starts again */
static void
test_on_error(void **state)
{
    (void)state;
    kit_log_capture();
    breaker_setup(3, 60, BREAKER_ON_ERROR);
    errors(2);
    assert_false(breaker_open());
    errors(1);
    assert_true(breaker_open());
    errors(5);                                  /* already open */
    assert_int_equal(count_of("circuit breaker tripped: 3 script errors "
                              "within 60 s; answering on_error for "
                              "everything until a successful reload"), 1);
    breaker_reset();
    assert_false(breaker_open());
    kit_log_has("circuit breaker reset by the reload");
    errors(2);
    assert_false(breaker_open());
    errors(1);
    assert_true(breaker_open());
    breaker_reset();
}

/* test_window - two errors a second or more apart do not trip a 1 s
 * window; a third right after the second does */
static void
test_window(void **state)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    time_t start;
    int i;

    (void)state;
    breaker_setup(2, 1, BREAKER_ON_ERROR);
    errors(1);
    start = time(NULL);
    for (i = 0; i < 300 && time(NULL) < start + 1; i++)
        nanosleep(&tick, NULL);
    assert_true(time(NULL) >= start + 1);
    errors(1);
    assert_false(breaker_open());
    errors(1);
    assert_true(breaker_open());
    breaker_reset();
}

/* is_current - whether s is the script new connections get */
static int
is_current(const struct script *s)
{
    struct script *now = script_current();
    int same = now == s;

    script_unref(now);
    return same;
}

/* test_last_good - tripped, the previous script serves new connections
 * and the breaker stays closed; tripped again with no previous script
 * left, it answers on_error */
static void
test_last_good(void **state)
{
    struct script *good, *bad;

    (void)state;
    good = kit_publish("return {}\n", &limits);
    bad = kit_publish("return { eom = function() error('x') end }\n",
                      &limits);
    assert_true(is_current(bad));
    kit_log_capture();
    breaker_setup(2, 60, BREAKER_LAST_GOOD);
    errors(2);
    assert_true(is_current(good));
    assert_false(breaker_open());
    kit_log_has("circuit breaker tripped: 2 script errors within 60 s; new "
                "connections use the previous script until a successful "
                "reload");
    errors(1);
    assert_false(breaker_open());               /* counting from zero */
    errors(1);
    assert_true(is_current(good));
    assert_true(breaker_open());
    kit_log_has("answering on_error for everything");
    breaker_reset();
}

/* main - run the breaker tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off),
        cmocka_unit_test(test_on_error),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_last_good),
    };

    return cmocka_run_group_tests(tests, kit_setup, kit_teardown);
}
