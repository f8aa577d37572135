/* unit_log.c - logging (log.c): lines on stderr with control bytes
 * escaped (so no message forges a line) and other bytes as they are, an
 * error or a block split into one stamped line per line, the level
 * threshold, level names, and the syslog socket check. */
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

static char captured[16384];   /* what stderr received */

/* begin_capture - stderr to a scratch file until end_capture; its fd */
static int
begin_capture(int *saved)
{
    char path[] = "/tmp/lm-unit-log-XXXXXX";
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    unlink(path);
    *saved = dup(STDERR_FILENO);
    assert_true(*saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    return fd;
}

/* end_capture - stderr back; what it received into captured */
static void
end_capture(int fd, int saved)
{
    ssize_t n;

    log_flush();
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    n = pread(fd, captured, sizeof captured - 1, 0);
    assert_true(n >= 0);
    captured[n] = '\0';
    close(fd);
}

/* lines_with - how many captured lines contain text */
static int
lines_with(const char *text)
{
    char copy[sizeof captured], *save = NULL, *line;
    int n = 0;

    memcpy(copy, captured, sizeof copy);
    for (line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save))
        n += strstr(line, text) != NULL;
    return n;
}

/* test_escaping - control bytes (CR, LF in a one-line message, ESC, DEL)
 * become \xHH; tab and bytes of 0x80 and up stay as they are */
static void
test_escaping(void **state)
{
    int fd, saved;

    (void)state;
    log_setup(0, LOGL_DEBUG);
    fd = begin_capture(&saved);
    log_warn("a\rb\nc\x1b[31md\x7f\te\xff\xfe<");
    log_notice("forged\n2024-01-01 00:00:00 luamilter[1]: error: x");
    end_capture(fd, saved);
    log_setup(0, -1);
    assert_int_equal(lines_with(""), 2);
    assert_int_equal(lines_with("warning: a\\x0db\\x0ac\\x1b[31md"
                                "\\x7f\te\xff\xfe<"), 1);
    assert_int_equal(lines_with("notice: forged\\x0a2024-01-01"), 1);
    assert_non_null(strstr(captured, " luamilter["));
}

/* test_split_lines - an error, a debug message and a block give one log
 * line per line of text, each stamped, a block's with its prefix */
static void
test_split_lines(void **state)
{
    int fd, saved;

    (void)state;
    log_setup(0, LOGL_DEBUG);
    fd = begin_capture(&saved);
    log_err("policy.lua:3: boom\nstack traceback:\n\t[C]: in ?");
    log_block(LOGL_WARN, "conn#7", "first\nsecond\x01");
    log_debug("d1\nd2");
    end_capture(fd, saved);
    log_setup(0, -1);
    assert_int_equal(lines_with(": error: "), 3);
    assert_int_equal(lines_with("error: stack traceback:"), 1);
    assert_int_equal(lines_with("error: \t[C]: in ?"), 1);
    assert_int_equal(lines_with("warning: conn#7: first"), 1);
    assert_int_equal(lines_with("warning: conn#7: second\\x01"), 1);
    assert_int_equal(lines_with("debug: d"), 2);
    assert_int_equal(lines_with(" luamilter["), 7);
}

/* test_levels - the threshold keeps less severe lines out; level names
 * both ways */
static void
test_levels(void **state)
{
    int fd, saved, l;

    (void)state;
    log_setup(0, LOGL_NOTICE);
    assert_true(log_enabled(LOGL_NOTICE));
    assert_false(log_enabled(LOGL_INFO));
    fd = begin_capture(&saved);
    log_info("not written");
    log_notice("written");
    end_capture(fd, saved);
    log_setup(0, -1);
    assert_int_equal(lines_with("not written"), 0);
    assert_int_equal(lines_with("notice: written"), 1);
    for (l = LOGL_ERR; l <= LOGL_DEBUG; l++)
        assert_int_equal(log_level_parse(log_level_name(l)), l);
    assert_string_equal(log_level_name(LOGL_WARN), "warning");
    assert_int_equal(log_level_parse("verbose"), -1);
}

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
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_split_lines),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_syslog_socket),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
