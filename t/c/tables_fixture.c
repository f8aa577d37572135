/*
 * tables_fixture.c - helpers for the milter.tables unit tests
 * (tables_fixture.h).
 */
#include "tables_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char fx_path[64];

/* fx_cleanup - remove the private directory at exit */
static void
fx_cleanup(void)
{
    char cmd[128];

    if (fx_path[0] != '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_path);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", fx_path);
    }
}

/* fx_dir - a private directory for this test process (made once) */
const char *
fx_dir(void)
{
    if (fx_path[0] == '\0') {
        strcpy(fx_path, "/tmp/luamilter-unit-tables.XXXXXX");
        if (mkdtemp(fx_path) == NULL)
            fail_msg("mkdtemp failed");
        atexit(fx_cleanup);
    }
    return fx_path;
}

/* fx_write - write text to fx_dir()/name, modified age_s seconds ago;
 * the path (malloc) */
char *
fx_write(const char *name, const char *text, int age_s)
{
    char *path = malloc(strlen(fx_dir()) + strlen(name) + 2);
    struct timespec times[2];
    FILE *f;

    sprintf(path, "%s/%s", fx_dir(), name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= age_s;
    times[1] = times[0];
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    return path;
}

/* fx_table - a table parsed from text; fails the test if it does not */
struct table *
fx_table(enum table_type type, const char *text)
{
    char err[1024];
    struct table *t = table_parse(type, "test", text, strlen(text), err,
                                  sizeof err);

    if (t == NULL)
        fail_msg("table did not parse: %s", err);
    return t;
}

/* fx_lookup_n - the result for key[0..len) as a string (static), or NULL */
const char *
fx_lookup_n(const struct table *t, const char *key, size_t len)
{
    static struct table_answer ans;
    static char out[4096];
    enum table_status st = table_lookup(t, key, len, &ans, NULL);

    assert_true(st >= 0);
    if (st == TABLE_MISS)
        return NULL;
    assert_true(ans.len < sizeof out);
    memcpy(out, ans.value, ans.len);
    out[ans.len] = '\0';
    return out;
}

/* fx_lookup - the result for key as a string (static), or NULL */
const char *
fx_lookup(const struct table *t, const char *key)
{
    return fx_lookup_n(t, key, strlen(key));
}

/* fx_bad - text must not parse, with an error containing needle */
void
fx_bad(enum table_type type, const char *text, const char *needle)
{
    char err[1024];
    struct table *t = table_parse(type, "test", text, strlen(text), err,
                                  sizeof err);

    if (t != NULL) {
        table_unref(t);
        fail_msg("parsed, but should not: %s", text);
    }
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
}
