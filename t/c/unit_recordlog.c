/* unit_recordlog.c - the decision record sink (src/base/recordlog.c): a
 * write that fails part way leaves only whole lines and exact counts;
 * records queued before the sink is switched off are still written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "recordlog.h"

/* whole_lines - how many lines of path are whole records ({...}\n), and
 * set *bad to how many are not */
static int
whole_lines(const char *path, int *bad)
{
    char line[256];
    FILE *f = fopen(path, "r");
    int n = 0;

    *bad = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL) {
        size_t len = strlen(line);
        if (len >= 3 && line[0] == '{' && line[len - 2] == '}' &&
            line[len - 1] == '\n' && strchr(line + 1, '{') == NULL)
            n++;
        else
            (*bad)++;
    }
    fclose(f);
    return n;
}

/* test_partial_write - a size limit hit in the middle of a batch: the file
 * keeps whole lines only, and written + dropped counts every record */
static void
test_partial_write(void **state)
{
    char path[] = "/tmp/unit_recordlog.XXXXXX", err[256], line[64];
    struct rlimit old, small;
    unsigned long long w0 = recordlog_written(), d0 = recordlog_dropped();
    int fd = mkstemp(path), i, bad, good;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(recordlog_open(path, 65536, (uid_t)-1, (gid_t)-1, err,
                                    sizeof err), 0);
    getrlimit(RLIMIT_FSIZE, &old);
    small = old;
    small.rlim_cur = 100;               /* "disk full" at 100 bytes */
    setrlimit(RLIMIT_FSIZE, &small);
    for (i = 0; i < 6; i++) {
        int n = snprintf(line, sizeof line, "{\"rec\":%d,\"pad\":\"xxxxxxxxxxxx\"}", i);
        assert_int_equal(recordlog_write(line, (size_t)n), 0);
    }
    recordlog_flush(5);
    setrlimit(RLIMIT_FSIZE, &old);      /* room again */
    for (i = 6; i < 8; i++) {
        int n = snprintf(line, sizeof line, "{\"rec\":%d,\"pad\":\"xxxxxxxxxxxx\"}", i);
        assert_int_equal(recordlog_write(line, (size_t)n), 0);
    }
    recordlog_flush(5);
    recordlog_close();
    good = whole_lines(path, &bad);
    assert_int_equal(bad, 0);
    assert_int_equal((unsigned long long)good, recordlog_written() - w0);
    assert_int_equal(recordlog_written() - w0 + recordlog_dropped() - d0, 8);
    unlink(path);
}

/* test_switch_off - records accepted before decision_log is turned off
 * are written, not dropped */
static void
test_switch_off(void **state)
{
    char path[] = "/tmp/unit_recordlog.XXXXXX", err[256], line[64];
    unsigned long long w0 = recordlog_written(), d0 = recordlog_dropped();
    int fd = mkstemp(path), round, i, bad;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    for (round = 0; round < 10; round++) {
        assert_int_equal(recordlog_open(path, 1 << 20, (uid_t)-1, (gid_t)-1,
                                        err, sizeof err), 0);
        for (i = 0; i < 100; i++) {
            int n = snprintf(line, sizeof line, "{\"round\":%d,\"i\":%d}", round, i);
            assert_int_equal(recordlog_write(line, (size_t)n), 0);
        }
        recordlog_close();
    }
    assert_int_equal(recordlog_dropped() - d0, 0);
    assert_int_equal(recordlog_written() - w0, 1000);
    assert_int_equal(whole_lines(path, &bad), 1000);
    assert_int_equal(bad, 0);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partial_write),
        cmocka_unit_test(test_switch_off),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
