/* unit_tables.c - milter.tables' core: logical lines, the three table
 * types (answers and refusals), table files, the registry (sharing,
 * reloads, the watcher thread).  Postfix's own answers for the same files
 * are compared in t/tables/run; here the cases postmap cannot be asked
 * (NUL bytes, time limits, files that change) and a randomized check of
 * the cidr index against a plain first-match scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tables.h"
#include "tables_line.h"
#include "tables_fixture.h"

/* test_tline - logical lines: continuations, comments and blank lines
 * inside them, line numbers, an orphan continuation */
static void
test_tline(void **state)
{
    const char *text = "# c\n\na b\n  c\n# x\n\n\td\ne f\r\n g\nlast";
    struct tline tl;
    int first = 0;

    (void)state;
    tline_init(&tl, text, strlen(text));
    assert_int_equal(tline_next(&tl, &first), TLINE_LINE);
    assert_string_equal(tl.buf, "a b  c\td");
    assert_int_equal(first, 3);
    assert_int_equal(tline_next(&tl, &first), TLINE_LINE);
    assert_string_equal(tl.buf, "e f\r g");
    assert_int_equal(first, 8);
    assert_int_equal(tline_next(&tl, &first), TLINE_LINE);
    assert_string_equal(tl.buf, "last");
    assert_int_equal(first, 10);
    assert_int_equal(tline_next(&tl, &first), TLINE_END);
    tline_free(&tl);

    text = "# c\n  orphan\nok x\n";
    tline_init(&tl, text, strlen(text));
    assert_int_equal(tline_next(&tl, &first), TLINE_ORPHAN);
    assert_int_equal(first, 2);
    assert_int_equal(tline_next(&tl, &first), TLINE_LINE);
    assert_string_equal(tl.buf, "ok x");
    tline_free(&tl);
}

/* test_spec - TYPE:PATH and the words for a bad one */
static void
test_spec(void **state)
{
    enum table_type type;
    const char *path;
    char err[512];

    (void)state;
    assert_int_equal(table_spec_parse("cidr:/etc/x.cidr", &type, &path, err,
                                      sizeof err), 0);
    assert_int_equal(type, TABLE_CIDR);
    assert_string_equal(path, "/etc/x.cidr");
    assert_int_equal(table_spec_parse("regexp:a:b", &type, &path, err,
                                      sizeof err), 0);
    assert_string_equal(path, "a:b");
    assert_int_equal(table_spec_parse("nocolon", &type, &path, err,
                                      sizeof err), -1);
    assert_non_null(strstr(err, "not TYPE:PATH"));
    assert_int_equal(table_spec_parse("hash:/etc/x", &type, &path, err,
                                      sizeof err), -1);
    assert_non_null(strstr(err, "texthash: reads the source file"));
    assert_int_equal(table_spec_parse("pcre:/x", &type, &path, err,
                                      sizeof err), -1);
    assert_non_null(strstr(err, "unknown table type 'pcre'"));
    assert_int_equal(table_spec_parse("cidr:", &type, &path, err,
                                      sizeof err), -1);
    assert_non_null(strstr(err, "no file after 'cidr:'"));
}

/* test_texthash - keys folded, values as postmap keeps them, bytes */
static void
test_texthash(void **state)
{
    struct table *t = fx_table(TABLE_TEXTHASH,
        "Example.COM  OK  \n"
        "long  first\n   second  \n"
        "\"a b\"  quoted\n"
        "\xc9t\xe9  bytes\n"
        "x\\ y  escaped\n");

    (void)state;
    assert_int_equal(table_rules(t), 5);
    assert_string_equal(fx_lookup(t, "example.com"), "OK");
    assert_string_equal(fx_lookup(t, "EXAMPLE.com"), "OK");
    assert_null(fx_lookup(t, "example.com "));
    assert_null(fx_lookup(t, "example"));
    assert_string_equal(fx_lookup(t, "long"), "first   second");
    assert_string_equal(fx_lookup(t, "\"A B\""), "quoted");
    assert_null(fx_lookup(t, "a b"));
    assert_string_equal(fx_lookup(t, "\xc9T\xe9"), "bytes");
    assert_null(fx_lookup(t, "\xe9t\xe9"));       /* no folding past ASCII */
    assert_string_equal(fx_lookup(t, "x\\ y"), "escaped");
    assert_null(fx_lookup_n(t, "example.com\0x", 13));  /* a NUL: no match */
    assert_null(fx_lookup_n(t, "", 0));
    assert_null(fx_lookup(t, "a-key-longer-than-any-key-in-the-table"));
    table_unref(t);

    t = fx_table(TABLE_TEXTHASH, "# nothing\n");
    assert_int_equal(table_rules(t), 0);
    assert_null(fx_lookup(t, "x"));
    table_unref(t);
}

/* test_texthash_bad - every line postmap warns about is refused, with its
 * line */
static void
test_texthash_bad(void **state)
{
    (void)state;
    fx_bad(TABLE_TEXTHASH, "a b\nnovalue\n", "test:2: expected format");
    fx_bad(TABLE_TEXTHASH, "# c\na b\nA c\n", "test:3: duplicate entry: \"A\"");
    fx_bad(TABLE_TEXTHASH, "root: x\n", "test:1: record is in \"key: value\"");
    fx_bad(TABLE_TEXTHASH, "\"a b\n", "test:1: unbalanced '\"'");
    fx_bad(TABLE_TEXTHASH, "  lead x\n", "test:1: logical line must not start");
    fx_bad(TABLE_TEXTHASH, "key\\", "test:1: expected format");
}

/* test_nul - a NUL byte in a file is refused with its line (postmap would
 * cut the line there without a word) */
static void
test_nul(void **state)
{
    char err[256];
    static const char text[] = "a b\nc d\0e\n";
    struct table *t = table_parse(TABLE_TEXTHASH, "nul", text,
                                  sizeof text - 1, err, sizeof err);

    (void)state;
    assert_null(t);
    assert_string_equal(err, "nul:2: a NUL byte (not a text file)");
}

/* test_cidr - first match in file order, families, brackets, negation,
 * nested if/endif */
static void
test_cidr(void **state)
{
    struct table *t = fx_table(TABLE_CIDR,
        "192.0.2.1 host\n"
        "192.0.2.0/24 net\n"
        "192.0.2.7 never\n"
        "[198.51.100.0]/24 bracket\n"
        "!10.0.0.0/8 not-ten\n"
        "10.9.0.0/16 ten-nine\n"
        "if 2001:db8::/32\n"
        "if !2001:db8:1::/48\n"
        "2001:db8::/33 low\n"
        "endif\n"
        "2001:db8::/32 any-db8\n"
        "endif\n"
        "::ffff:192.0.2.0/120 mapped\n"
        "0.0.0.0/0 all4\n");

    (void)state;
    assert_int_equal(table_rules(t), 10);
    assert_string_equal(fx_lookup(t, "192.0.2.1"), "host");
    assert_string_equal(fx_lookup(t, "192.0.2.7"), "net");
    assert_string_equal(fx_lookup(t, "198.51.100.9"), "bracket");
    assert_string_equal(fx_lookup(t, "11.0.0.1"), "not-ten");
    assert_string_equal(fx_lookup(t, "10.9.1.1"), "ten-nine");
    assert_string_equal(fx_lookup(t, "10.8.1.1"), "all4");
    assert_string_equal(fx_lookup(t, "2001:db8::5"), "low");
    assert_string_equal(fx_lookup(t, "2001:db8:1::5"), "any-db8");
    assert_string_equal(fx_lookup(t, "2001:db8:8000::1"), "any-db8");
    assert_null(fx_lookup(t, "2001:db9::1"));
    /* an IPv4-mapped key is IPv6: not the IPv4 rules, the mapped one */
    assert_string_equal(fx_lookup(t, "::ffff:192.0.2.1"), "mapped");
    assert_null(fx_lookup(t, "::ffff:10.9.0.1"));
    assert_null(fx_lookup(t, "[192.0.2.1]"));
    assert_null(fx_lookup(t, "192.0.2.1 "));
    assert_null(fx_lookup_n(t, "192.0.2.1\0", 10));
    assert_null(fx_lookup(t, "2001:db8::1%eth0"));
    table_unref(t);

    /* atoi's view of a huge mask, as Postfix has it: /4294967296 is /0 */
    t = fx_table(TABLE_CIDR, "0.0.0.0/4294967296 wrapped\n");
    assert_string_equal(fx_lookup(t, "203.0.113.1"), "wrapped");
    table_unref(t);
}

/* test_cidr_bad - refused lines and the words for them */
static void
test_cidr_bad(void **state)
{
    (void)state;
    fx_bad(TABLE_CIDR, "192.0.2.0/33 x\n", "test:1: bad mask length");
    fx_bad(TABLE_CIDR, "192.0.2.1/24 x\n", "perhaps you should use \"192.0.2.0/24\"");
    fx_bad(TABLE_CIDR, "a\n192.0.2.0/24\n", "test:1: bad address pattern");
    fx_bad(TABLE_CIDR, "192.0.2.0/24\n", "test:1: no lookup result");
    fx_bad(TABLE_CIDR, "if 10.0.0.0/8\n10.0.0.1 x\n", "test:1: IF has no matching ENDIF");
    fx_bad(TABLE_CIDR, "endif\n", "test:1: ENDIF without IF");
    fx_bad(TABLE_CIDR, "if 10.0.0.0/8\nendif x\n", "test:2: garbage after ENDIF");
    fx_bad(TABLE_CIDR, "[1.2.3.4 x\n", "missing ']'");
}

/* a generated rule or if block, for the randomized check */
struct gen_item {
    int is_if, negated, v6;
    uint32_t net;               /* IPv4, host order */
    int len;
    int value;
    struct gen_item *kids;
    int nkids;
};

/* rnd - a small deterministic generator */
static uint32_t
rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* gen_items - n random items, if blocks up to depth */
static struct gen_item *
gen_items(uint32_t *s, int n, int depth, int *values)
{
    struct gen_item *items = calloc((size_t)n, sizeof *items);
    int i;

    for (i = 0; i < n; i++) {
        struct gen_item *it = &items[i];

        it->len = 20 + (int)(rnd(s) % 13);
        it->net = (0x0a000000u | (rnd(s) & 0xfffu)) & (it->len ? ~0u << (32 - it->len) : 0);
        it->negated = rnd(s) % 5 == 0;
        it->v6 = rnd(s) % 17 == 0;
        if (depth > 0 && rnd(s) % 4 == 0) {
            it->is_if = 1;
            it->nkids = 1 + (int)(rnd(s) % 4);
            it->kids = gen_items(s, it->nkids, depth - 1, values);
        } else {
            it->value = (*values)++;
        }
    }
    return items;
}

/* gen_text - the items as table lines */
static void
gen_text(const struct gen_item *items, int n, char **buf, size_t *len,
         size_t *cap)
{
    int i;

    for (i = 0; i < n; i++) {
        const struct gen_item *it = &items[i];
        char line[128], addr[64];
        int k;

        if (it->v6)
            snprintf(addr, sizeof addr, "2001:db8::/%d", it->len + 16);
        else
            snprintf(addr, sizeof addr, "%u.%u.%u.%u/%d", it->net >> 24,
                     (it->net >> 16) & 255, (it->net >> 8) & 255, it->net & 255,
                     it->len);
        if (it->is_if)
            k = snprintf(line, sizeof line, "if %s%s\n", it->negated ? "!" : "",
                         addr);
        else
            k = snprintf(line, sizeof line, "%s%s v%d\n",
                         it->negated ? "!" : "", addr, it->value);
        while (*len + (size_t)k + 16 > *cap) {
            *cap *= 2;
            *buf = realloc(*buf, *cap);
        }
        memcpy(*buf + *len, line, (size_t)k + 1);
        *len += (size_t)k;
        if (it->is_if) {
            gen_text(it->kids, it->nkids, buf, len, cap);
            memcpy(*buf + *len, "endif\n", 7);
            *len += 6;
        }
    }
}

/* gen_holds - whether an item's condition holds for IPv4 address a */
static int
gen_holds(const struct gen_item *it, uint32_t a)
{
    uint32_t mask = it->len ? ~0u << (32 - it->len) : 0;

    if (it->v6)
        return 0;               /* another family: never, negated or not */
    return ((a & mask) == it->net) != it->negated;
}

/* gen_eval - the first matching rule as Postfix scans them; -1 for none */
static int
gen_eval(const struct gen_item *items, int n, uint32_t a)
{
    int i, r;

    for (i = 0; i < n; i++) {
        if (!gen_holds(&items[i], a))
            continue;
        if (!items[i].is_if)
            return items[i].value;
        r = gen_eval(items[i].kids, items[i].nkids, a);
        if (r >= 0)
            return r;
    }
    return -1;
}

/* gen_free - release generated items */
static void
gen_free(struct gen_item *items, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (items[i].is_if)
            gen_free(items[i].kids, items[i].nkids);
    free(items);
}

/* test_cidr_random - the index answers as a first-match scan would, over
 * random tables with negations and nested if blocks */
static void
test_cidr_random(void **state)
{
    uint32_t seed = 12345;
    int round;

    (void)state;
    for (round = 0; round < 300; round++) {
        int values = 0, n = 1 + (int)(rnd(&seed) % 30), k;
        struct gen_item *items = gen_items(&seed, n, 3, &values);
        size_t len = 0, cap = 4096;
        char *text = malloc(cap);
        struct table *t;

        text[0] = '\0';
        gen_text(items, n, &text, &len, &cap);
        t = fx_table(TABLE_CIDR, text);
        for (k = 0; k < 200; k++) {
            uint32_t a = 0x0a000000u | (rnd(&seed) & 0x1fffu);
            char key[32], want[16];
            const char *got;
            int r = gen_eval(items, n, a);

            snprintf(key, sizeof key, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
                     (a >> 8) & 255, a & 255);
            got = fx_lookup(t, key);
            snprintf(want, sizeof want, "v%d", r);
            if (r < 0 ? got != NULL : (got == NULL || strcmp(got, want) != 0))
                fail_msg("round %d, %s: got %s, want %s, table:\n%s", round,
                         key, got ? got : "none", r < 0 ? "none" : want, text);
        }
        table_unref(t);
        free(text);
        gen_free(items, n);
    }
}

/* test_regexp - substitution, flags, second patterns, if blocks */
static void
test_regexp(void **state)
{
    struct table *t = fx_table(TABLE_REGEXP,
        "/^(.*)-outgoing@(.*)$/ 550 Use ${1}@$2 instead $$5\n"
        "/^opt(x)?(y)$/ [$1][$(2)]\n"
        "/^Case$/i sensitive\n"
        "/^line$/m multiline\n"
        "/^a\\{2\\}$/x basic\n"
        "if !/^skip/\n"
        "/^owner-/!/list/ owner-not-list\n"
        "endif\n"
        "!/@/ no-at\n");

    (void)state;
    assert_int_equal(table_rules(t), 7);
    assert_string_equal(fx_lookup(t, "Joe-Outgoing@Example"),
                        "550 Use Joe@Example instead $5");
    assert_string_equal(fx_lookup(t, "opty"), "[][y]");
    assert_string_equal(fx_lookup(t, "OPTXY"), "[X][Y]");
    assert_string_equal(fx_lookup(t, "Case"), "sensitive");
    assert_string_equal(fx_lookup(t, "case"), "no-at");
    assert_string_equal(fx_lookup(t, "first\nline\nlast"), "multiline");
    assert_string_equal(fx_lookup(t, "aa"), "basic");
    assert_string_equal(fx_lookup(t, "owner-x@y"), "owner-not-list");
    assert_null(fx_lookup(t, "owner-list@y"));
    assert_null(fx_lookup(t, "skip-owner-x@y"));
    assert_null(fx_lookup_n(t, "owner\0-x", 8));
    table_unref(t);
}

/* test_regexp_long - keys and group counts past the on-stack buffers */
static void
test_regexp_long(void **state)
{
    char rules[512], *key = malloc(3001);
    size_t i, n = 0;
    struct table *t;

    (void)state;
    n += (size_t)snprintf(rules + n, sizeof rules - n, "/^");
    for (i = 0; i < 40; i++)
        n += (size_t)snprintf(rules + n, sizeof rules - n, "(.)");
    snprintf(rules + n, sizeof rules - n, "(.*)$/ ${40}${41}\n");
    t = fx_table(TABLE_REGEXP, rules);
    memset(key, 'k', 3000);                     /* longer than the stack copy */
    key[39] = 'Q';
    key[3000] = '\0';
    assert_memory_equal(fx_lookup(t, key), "Qkkk", 4);
    assert_int_equal(strlen(fx_lookup(t, key)), 1 + 3000 - 40);
    table_unref(t);
    free(key);
}

/* test_regexp_bad - the refusals of regexp lines */
static void
test_regexp_bad(void **state)
{
    (void)state;
    fx_bad(TABLE_REGEXP, "/(a)/ $2\n", "test:1: out of range replacement index \"2\"");
    fx_bad(TABLE_REGEXP, "!/(a)/ $1\n", "$number found in negative");
    fx_bad(TABLE_REGEXP, "/a/ $\n", "empty macro name");
    fx_bad(TABLE_REGEXP, "/a/ ${1\n", "truncated macro reference");
    fx_bad(TABLE_REGEXP, "/(a)/ $1x\n", "non-numeric replacement index \"1x\"");
    fx_bad(TABLE_REGEXP, "/a/q x\n", "unknown regexp option \"q\"");
    fx_bad(TABLE_REGEXP, "/a x\n", "no closing regexp delimiter \"/\"");
    fx_bad(TABLE_REGEXP, "/a/\n", "no replacement text");
    fx_bad(TABLE_REGEXP, "/a(/ x\n", "test:1: Unmatched");
    fx_bad(TABLE_REGEXP, "word x\n", "unrecognized request");
    fx_bad(TABLE_REGEXP, "endif\n", "ENDIF without matching IF");
    fx_bad(TABLE_REGEXP, "if /a/ b\nendif\n", "extra text after IF");
    fx_bad(TABLE_REGEXP, "/x/ y\nif /a/\n", "test:2: IF has no matching ENDIF");
}

static int clock_calls;

/* no_time - a limit with no time left (after `clock_calls` looks) */
static double
no_time(void *ud)
{
    (void)ud;
    return clock_calls-- > 0 ? 1.0 : 0.0;
}

/* test_regexp_limit - a regexp lookup stops when the caller's time is up,
 * looking at the clock between rules, not after each */
static void
test_regexp_limit(void **state)
{
    char *text = malloc(64 * 40 + 32);
    struct table_answer ans = {NULL, 0, NULL, 0};
    struct table_limit lim = {no_time, NULL};
    struct table *t;
    size_t n = 0;
    int i;

    (void)state;
    for (i = 0; i < 64; i++)
        n += (size_t)sprintf(text + n, "/^rule%d$/ r%d\n", i, i);
    sprintf(text + n, "/^last$/ hit\n");
    t = fx_table(TABLE_REGEXP, text);
    clock_calls = 100;
    assert_int_equal(table_lookup(t, "last", 4, &ans, &lim), TABLE_FOUND);
    assert_int_equal(100 - clock_calls, 5);     /* every 16 rules, 65 rules */
    clock_calls = 2;
    assert_int_equal(table_lookup(t, "last", 4, &ans, &lim), TABLE_EXPIRED);
    clock_calls = 0;
    assert_int_equal(table_lookup(t, "rule0", 5, &ans, &lim), TABLE_EXPIRED);
    table_unref(t);
    free(text);
    free(ans.buf);
}

/* test_files - regular files only, no blocking on a FIFO, confinement */
static void
test_files(void **state)
{
    char err[1024], fifo[256], link[256], sub[256];
    char *path = fx_write("f.texthash", "a b\n", 60);
    struct table *t;

    (void)state;
    t = table_load(TABLE_TEXTHASH, path, NULL, err, sizeof err);
    assert_non_null(t);
    assert_string_equal(table_path(t), path);
    table_unref(t);
    assert_null(table_load(TABLE_TEXTHASH, fx_dir(), NULL, err, sizeof err));
    assert_non_null(strstr(err, "not a regular file"));
    snprintf(fifo, sizeof fifo, "%s/fifo", fx_dir());
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_null(table_load(TABLE_TEXTHASH, fifo, NULL, err, sizeof err));
    assert_non_null(strstr(err, "not a regular file"));
    assert_null(table_load(TABLE_TEXTHASH, "/nonexistent/x", NULL, err,
                           sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x: cannot open: No such file"));

    /* a symlink out of the confining directory is refused */
    snprintf(sub, sizeof sub, "%s/policy", fx_dir());
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(link, sizeof link, "%s/policy/out", fx_dir());
    assert_int_equal(symlink(path, link), 0);
    assert_null(table_load(TABLE_TEXTHASH, link, sub, err, sizeof err));
    assert_non_null(strstr(err, "is outside"));
    t = table_load(TABLE_TEXTHASH, link, fx_dir(), err, sizeof err);
    assert_non_null(t);
    table_unref(t);
    free(path);
}

static double fake_now;
static char last_log[2048];
static int logs;

/* fake_clock - the registry's clock in tests */
static double
fake_clock(void *ud)
{
    (void)ud;
    return fake_now;
}

/* keep_log - the registry's logger in tests: keeps the last line */
static void
keep_log(void *ud, int level, const char *line)
{
    (void)ud;
    (void)level;
    snprintf(last_log, sizeof last_log, "%s", line);
    logs++;
}

/* lookup_now - the answer of the set's i-th table for key, now */
static const char *
lookup_now(const struct tables_set *s, size_t i, const char *key)
{
    static char out[256];
    struct table *t = tables_set_acquire(s, i, NULL);
    const char *v = fx_lookup(t, key);

    snprintf(out, sizeof out, "%s", v ? v : "(none)");
    table_unref(t);
    return out;
}

/* test_registry_sets - names, shared slots, confinement, the config wins */
static void
test_registry_sets(void **state)
{
    struct tables_env env = {fake_clock, keep_log, NULL, 10, NULL};
    struct tables_reg *reg = tables_reg_new(&env);
    struct tables_set *s = tables_set_new(reg), *s2;
    char *path = fx_write("shared.cidr", "192.0.2.0/24 doc\n", 60);
    struct table *a, *b;
    char err[1024], spec[300];

    (void)state;
    snprintf(spec, sizeof spec, "cidr:%s", path);
    assert_int_equal(tables_set_add(s, "client", spec, NULL, 0, err,
                                    sizeof err), 0);
    assert_int_equal(tables_set_add(s, "other", "cidr:shared.cidr", fx_dir(),
                                    0, err, sizeof err), 0);
    assert_int_equal(tables_set_count(s), 2);
    a = tables_set_acquire(s, 0, NULL);
    b = tables_set_acquire(s, 1, NULL);
    assert_ptr_equal(a, b);                     /* one file, one copy */
    table_unref(a);
    table_unref(b);
    assert_int_equal(tables_set_find(s, "other", 5), 1);
    assert_int_equal(tables_set_find(s, "nope", 4), -1);
    assert_string_equal(tables_set_spec(s, 1), "cidr:shared.cidr");

    assert_int_equal(tables_set_add(s, "client", spec, NULL, 0, err,
                                    sizeof err), -1);
    assert_non_null(strstr(err, "named twice"));
    assert_int_equal(tables_set_add(s, "client", "cidr:whatever", NULL,
                                    TABLES_KEEP, err, sizeof err), 0);
    assert_int_equal(tables_set_add(s, "client", "btree:whatever", NULL,
                                    TABLES_KEEP, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown table type 'btree'"));
    assert_int_equal(tables_set_add(s, "bad-name", spec, NULL, 0, err,
                                    sizeof err), -1);
    assert_non_null(strstr(err, "bad table name 'bad-name'"));
    assert_int_equal(tables_set_add(s, "p", spec, fx_dir(), TABLES_CONFINE,
                                    err, sizeof err), -1);
    assert_non_null(strstr(err, "relative to the script's directory"));
    assert_int_equal(tables_set_add(s, "p", "cidr:../x", fx_dir(),
                                    TABLES_CONFINE, err, sizeof err), -1);
    assert_non_null(strstr(err, "may not contain '..'"));
    assert_int_equal(tables_set_add(s, "p", "cidr:missing.cidr", fx_dir(),
                                    TABLES_CONFINE, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing.cidr: cannot open"));
    assert_int_equal(tables_set_add(s, "p", "cidr:shared.cidr", fx_dir(),
                                    TABLES_CONFINE, err, sizeof err), 0);

    /* a second set shares the registry's slots; releasing the first keeps
     * what the second names */
    s2 = tables_set_new(reg);
    assert_int_equal(tables_set_add(s2, "c", spec, NULL, 0, err, sizeof err),
                     0);
    tables_set_unref(s);
    assert_string_equal(lookup_now(s2, 0, "192.0.2.9"), "doc");
    tables_set_unref(s2);
    tables_reg_free(reg);
    free(path);
}

/* test_config_line - "table = NAME TYPE:PATH" values */
static void
test_config_line(void **state)
{
    char name[TABLES_NAME_MAX + 1], err[512];
    const char *spec;

    (void)state;
    assert_int_equal(tables_config_line("client_access  cidr:/etc/c.cidr",
                                        name, sizeof name, &spec, err,
                                        sizeof err), 0);
    assert_string_equal(name, "client_access");
    assert_string_equal(spec, "cidr:/etc/c.cidr");
    assert_int_equal(tables_config_line("x", name, sizeof name, &spec, err,
                                        sizeof err), -1);
    assert_non_null(strstr(err, "expected 'table = NAME TYPE:PATH'"));
    assert_int_equal(tables_config_line("9x cidr:/a", name, sizeof name,
                                        &spec, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad table name '9x'"));
    assert_int_equal(tables_config_line("x btree:/a", name, sizeof name,
                                        &spec, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown table type 'btree'"));
}

/* test_reload - changed files are read again after table_check, a bad new
 * version keeps the old one (said once), a lookup in progress keeps its
 * version, a file being written is left for the next check */
static void
test_reload(void **state)
{
    struct tables_env env = {fake_clock, keep_log, NULL, 10, NULL};
    struct tables_reg *reg;
    struct tables_set *s;
    char *path = fx_write("reload.texthash", "k v1\n", 60);
    struct table *held;
    unsigned long gen;
    char err[1024], spec[300];

    (void)state;
    fake_now = 100;
    reg = tables_reg_new(&env);
    s = tables_set_new(reg);
    snprintf(spec, sizeof spec, "texthash:%s", path);
    assert_int_equal(tables_set_add(s, "t", spec, NULL, 0, err, sizeof err),
                     0);
    held = tables_set_acquire(s, 0, &gen);      /* a lookup in progress */

    free(fx_write("reload.texthash", "k v2\nextra line here\n", 30));
    fake_now = 105;                             /* before table_check */
    assert_int_equal(tables_reg_reload(reg, 0), 0);
    assert_string_equal(lookup_now(s, 0, "k"), "v1");
    assert_true(tables_set_gen(s, 0) == gen);   /* the same version */
    fake_now = 111;
    assert_int_equal(tables_reg_reload(reg, 0), 0);
    assert_string_equal(lookup_now(s, 0, "k"), "v2");
    assert_true(tables_set_gen(s, 0) != gen);   /* a new one */
    assert_string_equal(fx_lookup(held, "k"), "v1");    /* still its own */
    table_unref(held);
    assert_non_null(strstr(last_log, "2 rules loaded"));

    logs = 0;
    free(fx_write("reload.texthash", "k v3\nbroken\n", 30));
    fake_now = 122;
    assert_int_equal(tables_reg_reload(reg, 0), 1);
    assert_int_equal(logs, 1);
    assert_non_null(strstr(last_log, "reload.texthash:2: expected format"));
    assert_non_null(strstr(last_log, "keeping the version read before"));
    assert_string_equal(lookup_now(s, 0, "k"), "v2");
    fake_now = 133;
    assert_int_equal(tables_reg_reload(reg, 0), 1);
    assert_int_equal(logs, 1);                  /* not said again */
    assert_int_equal(tables_reg_reload(reg, 1), 1);     /* SIGHUP: again */
    assert_int_equal(logs, 2);

    free(fx_write("reload.texthash", "k v4\n", 0));     /* being written */
    fake_now = 144;
    assert_int_equal(tables_reg_reload(reg, 0), 0);
    assert_string_equal(lookup_now(s, 0, "k"), "v2");
    free(fx_write("reload.texthash", "k v4\n", 30));
    fake_now = 145;                             /* due again at once */
    assert_int_equal(tables_reg_reload(reg, 0), 0);
    assert_string_equal(lookup_now(s, 0, "k"), "v4");

    assert_int_equal(unlink(path), 0);
    fake_now = 160;
    logs = 0;
    assert_int_equal(tables_reg_reload(reg, 0), 1);
    assert_non_null(strstr(last_log, "cannot stat"));
    assert_string_equal(lookup_now(s, 0, "k"), "v4");
    fake_now = 171;
    assert_int_equal(tables_reg_reload(reg, 0), 1);
    assert_int_equal(logs, 1);

    tables_set_unref(s);
    tables_reg_free(reg);
    free(path);
}

/* test_watch - the watcher thread reads a changed file by itself, once
 * table_check is set (a reload may change it), and stops when told */
static void
test_watch(void **state)
{
    struct tables_env env = {NULL, keep_log, NULL, 0, NULL};
    struct tables_reg *reg = tables_reg_new(&env);
    struct tables_set *s = tables_set_new(reg);
    char *path = fx_write("watch.texthash", "k before\n", 60);
    char err[1024], spec[300];
    int i;

    (void)state;
    snprintf(spec, sizeof spec, "texthash:%s", path);
    assert_int_equal(tables_set_add(s, "t", spec, NULL, 0, err, sizeof err),
                     0);
    assert_int_equal(tables_watch_start(reg, err, sizeof err), 0);
    free(fx_write("watch.texthash", "k after\n", 30));
    usleep(1200000);                            /* table_check 0: no reload */
    assert_string_equal(lookup_now(s, 0, "k"), "before");
    tables_reg_set_interval(reg, 0.05);
    for (i = 0; i < 200 && strcmp(lookup_now(s, 0, "k"), "after") != 0; i++)
        usleep(50000);                          /* 10 s at most */
    assert_string_equal(lookup_now(s, 0, "k"), "after");
    tables_watch_stop(reg);
    tables_watch_stop(reg);                     /* twice is harmless */
    tables_set_unref(s);
    tables_reg_free(reg);
    free(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tline),
        cmocka_unit_test(test_spec),
        cmocka_unit_test(test_texthash),
        cmocka_unit_test(test_texthash_bad),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_cidr_bad),
        cmocka_unit_test(test_cidr_random),
        cmocka_unit_test(test_regexp),
        cmocka_unit_test(test_regexp_long),
        cmocka_unit_test(test_regexp_bad),
        cmocka_unit_test(test_regexp_limit),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_registry_sets),
        cmocka_unit_test(test_config_line),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_watch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
