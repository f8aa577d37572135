/*
 * table_query.c - build/table-query: luamilter's table lookups from the
 * command line, in the shape of `postmap -q`, so t/tables/run can compare
 * the two answer for answer.
 *
 *   table-query [-s] TYPE:PATH KEY   the result and exit 0, or exit 1
 *   table-query [-s] TYPE:PATH -     keys from stdin (one a line): "key\tresult"
 *                                    for each found; exit 0 if any was found
 *   -s   load figures on stderr: seconds, rules, resident memory growth
 *
 * A table that does not load prints "table-query: PATH:LINE: what is
 * wrong" and exits 2.
 */
#include "tables_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* rss_kib - this process's resident memory (KiB), -1 if unknown */
static long
rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* seconds - the monotonic clock */
static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* query_stdin - one lookup per input line; whether any key was found */
static int
query_stdin(const struct table *t, struct table_answer *ans)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int found = 0;

    while ((n = getline(&line, &cap, stdin)) >= 0) {
        enum table_status st;

        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        st = table_lookup(t, line, (size_t)n, ans, NULL);
        if (st < 0) {
            fprintf(stderr, "table-query: lookup failed (%d)\n", (int)st);
            exit(2);
        }
        if (st == TABLE_FOUND) {
            fwrite(line, 1, (size_t)n, stdout);
            putchar('\t');
            fwrite(ans->value, 1, ans->len, stdout);
            putchar('\n');
            found = 1;
        }
    }
    free(line);
    return found;
}

/* main - load the table, answer the query */
int
main(int argc, char **argv)
{
    struct table_answer ans = {NULL, 0, NULL, 0};
    enum table_type type;
    const char *path;
    struct table *t;
    char err[1024];
    int stats = 0, found;
    long rss0;
    double t0;

    if (argc > 1 && strcmp(argv[1], "-s") == 0) {
        stats = 1;
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: table-query [-s] TYPE:PATH KEY|-\n");
        return 64;
    }
    if (table_spec_parse(argv[1], &type, &path, err, sizeof err) < 0) {
        fprintf(stderr, "table-query: %s\n", err);
        return 2;
    }
    rss0 = rss_kib();
    t0 = seconds();
    t = table_load(type, path, NULL, err, sizeof err);
    if (t == NULL) {
        fprintf(stderr, "table-query: %s\n", err);
        return 2;
    }
    if (stats)
        fprintf(stderr, "table-query: %zu rules loaded in %.3f s, RSS +%ld "
                "KiB\n", table_rules(t), seconds() - t0, rss_kib() - rss0);
    if (strcmp(argv[2], "-") == 0) {
        found = query_stdin(t, &ans);
    } else {
        enum table_status st = table_lookup(t, argv[2], strlen(argv[2]),
                                            &ans, NULL);

        if (st < 0) {
            fprintf(stderr, "table-query: lookup failed (%d)\n", (int)st);
            return 2;
        }
        found = st == TABLE_FOUND;
        if (found) {
            fwrite(ans.value, 1, ans.len, stdout);
            putchar('\n');
        }
    }
    free(ans.buf);
    table_unref(t);
    return found ? 0 : 1;
}
