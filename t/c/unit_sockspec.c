/* unit_sockspec.c - socket specs (sockspec.c): every accepted form with its
 * kind, the bad ones with the reason, and the unix path of a spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "sockspec.h"

/* spec_ok - spec is accepted with this kind */
static void
spec_ok(const char *spec, int kind)
{
    char err[256];
    int k = -1;

    if (sockspec_check(spec, &k, err, sizeof err) != 0)
        fail_msg("%s rejected: %s", spec, err);
    assert_int_equal(k, kind);
}

/* spec_bad - spec is rejected with a message containing needle */
static void
spec_bad(const char *spec, const char *needle)
{
    char err[256];

    assert_int_equal(sockspec_check(spec, NULL, err, sizeof err), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("%s: '%s' lacks '%s'", spec, err, needle);
}

/* test_sockspec - every accepted form, and the bad ones */
static void
test_sockspec(void **state)
{
    char longpath[200];

    (void)state;
    spec_ok("unix:/run/m.sock", SOCK_UNIX);
    spec_ok("local:/run/m.sock", SOCK_UNIX);
    spec_ok("/run/m.sock", SOCK_UNIX);
    spec_ok("inet:8891", SOCK_INET);
    spec_ok("inet:8891@localhost", SOCK_INET);
    spec_ok("inet:8891@[127.0.0.1]", SOCK_INET);
    spec_ok("inet:smtp@mx.example.com", SOCK_INET);
    spec_ok("inet6:8891@[::1]", SOCK_INET6);
    spec_ok("fd:3", SOCK_FD);
    spec_bad("", "empty");
    spec_bad("tcp:25", "unknown type");
    spec_bad("inet:0", "out of range");
    spec_bad("inet:65536", "out of range");
    spec_bad("inet:", "missing port");
    spec_bad("inet:25@", "empty host");
    spec_bad("inet:25@[300.1.1.1]", "bad IPv4");
    spec_bad("inet6:25@[::g]", "bad IPv6");
    spec_bad("inet:25@ho st", "bad character");
    spec_bad("fd:x", "descriptor");
    spec_bad("unix:run/m.sock", "must be absolute");
    spec_bad("local:./m.sock", "must be absolute");
    spec_bad("m.sock", "unknown type");
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    spec_bad(longpath, "longer than");
    assert_string_equal(sockspec_unix_path("unix:/a"), "/a");
    assert_string_equal(sockspec_unix_path("local:/b"), "/b");
    assert_null(sockspec_unix_path("inet:25"));
}

/* main - run the socket spec tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sockspec),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
