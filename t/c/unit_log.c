/* unit_log.c - logging (log.c): the syslog socket check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

/* bound_socket - a unix socket of this type bound at path (listening if a
 * stream); its fd */
static int
bound_socket(const char *path, int type)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, type, 0);

    assert_true(fd >= 0);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    if (type == SOCK_STREAM)
        assert_int_equal(listen(fd, 1), 0);
    return fd;
}

/* test_syslog_socket - a syslog socket takes lines when a datagram or a
 * stream socket listens there; a missing path, a stale socket or a file
 * that is no socket are named as the reason lines would be lost */
static void
test_syslog_socket(void **state)
{
    char dir[] = "/tmp/lm-unit-XXXXXX", path[128], err[256];
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/log", dir);
    assert_int_equal(log_socket_accepts(path, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file or directory"));
    assert_non_null(strstr(err, path));
    fd = bound_socket(path, SOCK_DGRAM);
    assert_int_equal(log_socket_accepts(path, err, sizeof err), 0);
    close(fd);                  /* the daemon is gone, its socket stays */
    assert_int_equal(log_socket_accepts(path, err, sizeof err), -1);
    assert_non_null(strstr(err, "Connection refused"));
    unlink(path);
    fd = bound_socket(path, SOCK_STREAM);
    assert_int_equal(log_socket_accepts(path, err, sizeof err), 0);
    close(fd);
    unlink(path);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(log_socket_accepts(path, err, sizeof err), -1);
    unlink(path);
    rmdir(dir);
}

/* main - run the log tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syslog_socket),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
