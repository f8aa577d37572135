/* unit_config.c - config parsing: good files, defaults, every bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* parse - parse text into a fresh config; returns the rc */
static int
parse(struct config *c, const char *text, char *err, size_t errlen)
{
    config_init(c);
    err[0] = '\0';
    return config_parse(c, "t.conf", text, err, errlen);
}

/* test_defaults - config_init sets the documented defaults */
static void
test_defaults(void **state)
{
    struct config c;

    (void)state;
    config_init(&c);
    assert_int_equal(c.socket_mode, 0660);
    assert_null(c.socket_group);
    assert_int_equal(c.on_error, ONERR_TEMPFAIL);
    assert_int_equal(c.timeout, 7210);
    assert_int_equal(c.log_level, LOGL_INFO);
    assert_int_equal(c.log_syslog, 0);
    assert_null(c.socket);
    assert_null(c.script);
    assert_true(c.callback_timeout > 0 && c.callback_timeout < 30);
    assert_int_equal(c.shutdown_grace, 30);
    assert_true(c.negotiate_timeout == 10);
    assert_int_equal(c.memory_total, (size_t)1 << 30);
    config_free(&c);
}

/* test_good_file - every key, comments, quotes, blank lines */
static void
test_good_file(void **state)
{
    struct config c;
    char err[256];
    const char *text =
        "# a comment\n"
        "\n"
        "socket = unix:/run/x.sock   # trailing comment\n"
        "socket_mode = 0600\n"
        "socket_group = postfix\n"
        "script = \"/etc/luamilter/policy #1.lua\"\n"
        "lua_path = /etc/luamilter/lib/?.lua\n"
        "on_error = reject\n"
        "timeout = 30\n"
        "backlog = 128\n"
        "log = syslog\n"
        "log_level = debug\n"
        "pidfile = /run/luamilter.pid\n"
        "callback_timeout = 2.5\n"
        "memory_limit = 32M\n"
        "memory_total = 512M\n"
        "lua_allow = io, os\n"
        "max_connections = 100\n"
        "negotiate_timeout = 500ms\n";

    (void)state;
    assert_int_equal(parse(&c, text, err, sizeof err), 0);
    assert_string_equal(c.socket, "unix:/run/x.sock");
    assert_int_equal(c.socket_mode, 0600);
    assert_string_equal(c.socket_group, "postfix");
    assert_string_equal(c.script, "/etc/luamilter/policy #1.lua");
    assert_string_equal(c.lua_path, "/etc/luamilter/lib/?.lua");
    assert_int_equal(c.on_error, ONERR_REJECT);
    assert_int_equal(c.timeout, 30);
    assert_int_equal(c.backlog, 128);
    assert_int_equal(c.log_syslog, 1);
    assert_int_equal(c.log_level, LOGL_DEBUG);
    assert_string_equal(c.pidfile, "/run/luamilter.pid");
    assert_true(c.callback_timeout == 2.5);
    assert_int_equal(c.memory_limit, 32u << 20);
    assert_int_equal(c.memory_total, 512u << 20);
    assert_int_equal(c.lua_allow, CONFIG_ALLOW_IO | CONFIG_ALLOW_OS);
    assert_int_equal(c.max_connections, 100);
    assert_true(c.negotiate_timeout == 0.5);
    config_free(&c);
}

/* expect_error - text fails with a message starting "t.conf:LINE:" and
 * containing needle */
static void
expect_error(const char *text, int line, const char *needle)
{
    struct config c;
    char err[512], prefix[32];

    assert_int_equal(parse(&c, text, err, sizeof err), -1);
    snprintf(prefix, sizeof prefix, "t.conf:%d:", line);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, needle))
        fail_msg("for %s got '%s', expected '%s...%s'", text, err, prefix,
                 needle);
    config_free(&c);
}

/* test_bad_values - each key rejects a bad value, naming file, line, key */
static void
test_bad_values(void **state)
{
    (void)state;
    expect_error("frobnicate = 1\n", 1, "unknown key 'frobnicate'");
    expect_error("\n\nsocket = tcp:25\n", 3, "socket");
    expect_error("socket = inet:0@localhost\n", 1, "out of range");
    expect_error("socket = inet:70000\n", 1, "out of range");
    expect_error("socket = unix:\n", 1, "empty path");
    expect_error("socket = unix:run/m.sock\n", 1, "must be absolute");
    expect_error("socket = local:m.sock\n", 1, "must be absolute");
    expect_error("socket_mode = 0999\n", 1, "socket_mode");
    expect_error("socket_mode = rw\n", 1, "socket_mode");
    expect_error("socket_group =\n", 1, "socket_group: empty group name");
    expect_error("on_error = ignore\n", 1, "on_error");
    expect_error("timeout = 0\n", 1, "timeout");
    expect_error("timeout = -5\n", 1, "timeout");
    expect_error("timeout = 99999999999999999999\n", 1, "timeout");
    expect_error("timeout = ten\n", 1, "timeout");
    expect_error("backlog = 0\n", 1, "backlog");
    expect_error("log = file\n", 1, "log");
    expect_error("log_level = loud\n", 1, "log_level");
    expect_error("script =\n", 1, "script");
    expect_error("socket\n", 1, "key = value");
    expect_error("= value\n", 1, "missing key");
    expect_error("script = \"unterminated\n", 1, "unbalanced");
    expect_error("callback_timeout = forever\n", 1, "callback_timeout");
    expect_error("memory_limit = 12Q\n", 1, "memory_limit");
    expect_error("memory_total = 1K\n", 1, "memory_total: '1K' is not a size");
    expect_error("lua_allow = io, network\n", 1, "network");
    expect_error("breaker_mode = panic\n", 1, "breaker_mode");
    expect_error("allow_root = maybe\n", 1, "allow_root");
    expect_error("negotiate_timeout = -1\n", 1, "negotiate_timeout");
    expect_error("negotiate_timeout = 1h\n", 1, "negotiate_timeout");
}

/* size_is - memory_limit = text parses to want bytes */
static void
size_is(const char *text, size_t want)
{
    struct config c;
    char line[64], err[512];

    snprintf(line, sizeof line, "memory_limit = %s\n", text);
    if (parse(&c, line, err, sizeof err) != 0)
        fail_msg("memory_limit = %s: %s", text, err);
    assert_int_equal(c.memory_limit, want);
    config_free(&c);
}

/* test_units - the spellings of sizes and durations an admin writes */
static void
test_units(void **state)
{
    struct config c;
    char err[512];

    (void)state;
    size_is("64M", 64u << 20);
    size_is("64MB", 64u << 20);
    size_is("64 MiB", 64u << 20);
    size_is("512k", 512u << 10);
    size_is("1G", 1u << 30);
    size_is("100000", 100000);
    size_is("100000B", 100000);
    size_is("0", 0);
    expect_error("memory_limit = 64\n", 1, "from 64K");
    expect_error("memory_limit = M\n", 1, "memory_limit");
    expect_error("memory_limit = 5MX\n", 1, "memory_limit");
    expect_error("memory_limit = 2T\n", 1, "memory_limit");
    assert_int_equal(parse(&c, "callback_timeout = 500ms\n", err,
                           sizeof err), 0);
    assert_true(c.callback_timeout == 0.5);
    config_free(&c);
    assert_int_equal(parse(&c, "callback_timeout = 2s\n", err, sizeof err),
                     0);
    assert_true(c.callback_timeout == 2);
    config_free(&c);
    expect_error("callback_timeout = 2h\n", 1, "callback_timeout");
    assert_int_equal(parse(&c, "allow_root = True\n", err, sizeof err), 0);
    assert_int_equal(c.allow_root, 1);
    config_free(&c);
    assert_int_equal(parse(&c, "allow_root = off\n", err, sizeof err), 0);
    assert_int_equal(c.allow_root, 0);
    config_free(&c);
    /* a key given twice is an error naming both lines */
    expect_error("allow_root = yes\n\nallow_root = off\n", 3,
                 "allow_root: already set at line 1");
    expect_error("callback_timeout = nan\n", 1, "callback_timeout");
}

/* test_duplicate_key - a key set twice is an error naming both lines,
 * whatever the values; -p style overrides (config_set) are not lines */
static void
test_duplicate_key(void **state)
{
    struct config c;
    char err[512];

    (void)state;
    expect_error("socket = unix:/a.sock\n# note\nsocket = unix:/b.sock\n", 3,
                 "socket: already set at line 1");
    expect_error("allow_root = yes\nallow_root = yes\n", 2,
                 "allow_root: already set at line 1");
    expect_error("lua_allow = io\n\n\nlua_allow = os\n", 4,
                 "already set at line 1");
    assert_int_equal(parse(&c, "socket = unix:/a.sock\n", err, sizeof err), 0);
    assert_int_equal(config_set(&c, "socket", "unix:/b.sock", err,
                                sizeof err), 0);
    assert_string_equal(c.socket, "unix:/b.sock");
    config_free(&c);
}

/* test_on_error_reply - code, extended code and literal text, its class
 * checked against on_error wherever in the file either key is */
static void
test_on_error_reply(void **state)
{
    struct config c;
    char err[512];

    (void)state;
    config_init(&c);
    assert_string_equal(c.on_error_reply.rcode, "");        /* default */
    config_free(&c);
    assert_int_equal(parse(&c, "on_error_reply = 451 4.7.1 Policy check "
                           "failed, 100% temporary   \n", err, sizeof err), 0);
    assert_string_equal(c.on_error_reply.rcode, "451");
    assert_string_equal(c.on_error_reply.xcode, "4.7.1");
    assert_string_equal(c.on_error_reply.text,
                        "Policy check failed, 100% temporary");
    config_free(&c);
    assert_int_equal(parse(&c, "on_error_reply = \"554 5.7.0 No\"\n"
                           "on_error = reject\n", err, sizeof err), 0);
    assert_string_equal(c.on_error_reply.text, "No");
    config_free(&c);
    assert_int_equal(parse(&c, "on_error = reject\non_error_reply = 550\n",
                           err, sizeof err), 0);
    assert_string_equal(c.on_error_reply.xcode, "");
    assert_string_equal(c.on_error_reply.text, "");
    config_free(&c);
    expect_error("\non_error_reply = 554 5.3.0 Failure\n", 2,
                 "on_error_reply: 554 is a 5xx reply, but on_error = tempfail "
                 "answers with a 4xx one");
    expect_error("on_error_reply = 451 4.3.0 x\n\non_error = reject\n", 1,
                 "on_error = reject answers with a 5xx one");
    expect_error("on_error = accept\non_error_reply = 451 4.3.0 x\n", 2,
                 "on_error = accept sends no reply");
    expect_error("on_error_reply = 250 ok\n", 1, "not a 4xx or 5xx");
    expect_error("on_error_reply = 451 5.3.0 x\n", 1, "must look like 4.X.Y");
    expect_error("on_error_reply = 451 4.3 x\n", 1, "class.subject.detail");
    expect_error("on_error_reply =\n", 1, "on_error_reply");
}

/* test_load_files - missing file, NUL byte, very long line */
static void
test_load_files(void **state)
{
    struct config c;
    char err[512], path[] = "/tmp/lm-unit-XXXXXX";
    int fd = mkstemp(path);
    char longline[6000];

    (void)state;
    config_init(&c);
    assert_int_equal(config_load(&c, "/nonexistent/milter.conf", err,
                                 sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/milter.conf: cannot open"));
    config_free(&c);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "socket = unix:/x\0y\n", 19), 19);
    close(fd);
    config_init(&c);
    assert_int_equal(config_load(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "NUL"));
    config_free(&c);

    memset(longline, 'a', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    config_init(&c);
    assert_int_equal(config_parse(&c, "t.conf", longline, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "t.conf:1: line longer"));
    config_free(&c);
    unlink(path);
}

/* test_reload_timeout - default 60 s, seconds with decimals or a suffix,
 * never 0 */
static void
test_reload_timeout(void **state)
{
    struct config c;
    char err[512];

    (void)state;
    config_init(&c);
    assert_true(c.reload_timeout == 60);
    config_free(&c);
    assert_int_equal(parse(&c, "reload_timeout = 2.5\n", err, sizeof err),
                     0);
    assert_true(c.reload_timeout == 2.5);
    config_free(&c);
    assert_int_equal(parse(&c, "reload_timeout = 1500ms\n", err,
                           sizeof err), 0);
    assert_true(c.reload_timeout == 1.5);
    config_free(&c);
    expect_error("reload_timeout = 0\n", 1, "more than 0");
    expect_error("reload_timeout = -1\n", 1, "reload_timeout");
    expect_error("reload_timeout = 86401\n", 1, "reload_timeout");
    expect_error("reload_timeout = soon\n", 1, "reload_timeout");
}

/* test_not_regular - a FIFO or a directory as the config file is refused
 * at once (a FIFO nobody writes to must not block the caller in open) */
static void
test_not_regular(void **state)
{
    struct config c;
    char err[512], dir[] = "/tmp/lm-unit-XXXXXX", fifo[64];

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fifo.conf", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    config_init(&c);
    assert_int_equal(config_load(&c, fifo, err, sizeof err), -1);
    assert_non_null(strstr(err, "fifo.conf: not a regular file (a FIFO)"));
    config_free(&c);
    config_init(&c);
    assert_int_equal(config_load(&c, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a regular file (a directory)"));
    config_free(&c);
    unlink(fifo);
    rmdir(dir);
}

/* main - run the config tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_load_files),
        cmocka_unit_test(test_reload_timeout),
        cmocka_unit_test(test_not_regular),
        cmocka_unit_test(test_on_error_reply),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
