/* unit_privs.c - privileges (privs.c): the refusal to run as root without
 * 'user' unless allow_root says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "privs.h"

/* test_refuse_root - root without 'user' runs only with allow_root */
static void
test_refuse_root(void **state)
{
    char err[256] = "";

    (void)state;
    assert_int_equal(privs_refuse_root(0, NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "refusing to run as root"));
    assert_non_null(strstr(err, "'user'"));
    assert_non_null(strstr(err, "allow_root = yes"));
    assert_int_equal(privs_refuse_root(0, NULL, 1, err, sizeof err), 0);
    assert_int_equal(privs_refuse_root(0, "luamilter", 0, err, sizeof err),
                     0);
    assert_int_equal(privs_refuse_root(1000, NULL, 0, err, sizeof err), 0);
    /* 'user = root' (any name of uid 0) is root too */
    err[0] = '\0';
    assert_int_equal(privs_refuse_root(0, "root", 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "'user = root' is root"));
    assert_non_null(strstr(err, "allow_root = yes"));
    assert_int_equal(privs_refuse_root(1000, "root", 0, err, sizeof err), -1);
    assert_int_equal(privs_refuse_root(0, "root", 1, err, sizeof err), 0);
    assert_int_equal(privs_refuse_root(0, "nobody", 0, err, sizeof err), 0);
}

/* main - run the privileges tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuse_root),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
