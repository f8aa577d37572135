/* unit_metrics.c - the metrics module: the text format, the registry
 * (series, the cap, declarations kept across reloads), the built-in
 * metrics, Policy.metrics and self:metric in a real Lua state, the pages,
 * the HTTP listener with a real client, the metrics file
 * (src/modules/metrics_*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "metrics.h"
#include "metrics_file.h"
#include "metrics_http.h"
#include "metrics_listen.h"
#include "metrics_pages.h"
#include "metrics_policy.h"
#include "metrics_caps.h"
#include "metrics_registry.h"
#include "metrics_text.h"
#include "module.h"

/* rendered - the whole exposition (caller frees) */
static char *
rendered(void)
{
    struct mtext t;

    mtext_init(&t);
    metrics_render_all(&t);
    assert_false(t.failed);
    return t.buf;
}

/* has_line - whether text has line exactly */
static int
has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    const char *p = text;

    while ((p = strstr(p, line)) != NULL) {
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return 1;
        p += n;
    }
    return 0;
}

/* value_of - the value on the sample line starting with prefix + " " */
static double
value_of(const char *text, const char *prefix)
{
    char want[512];
    const char *p;

    snprintf(want, sizeof want, "\n%s ", prefix);
    p = strstr(text, want);
    if (p == NULL)
        return -1;
    return strtod(p + strlen(want), NULL);
}

/* counter_def - a definition for the registry tests */
static struct metric_def
make_def(const char *name, enum metric_type type, const char *label)
{
    struct metric_def d;

    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "%s", name);
    d.type = type;
    d.help = "help text";
    if (label != NULL) {
        d.nlabels = 1;
        snprintf(d.labels[0], sizeof d.labels[0], "%s", label);
    }
    if (type == METRIC_HISTOGRAM) {
        d.nbounds = 3;
        d.bounds[0] = 0.5;
        d.bounds[1] = 1;
        d.bounds[2] = 5;
    }
    return d;
}

/* test_text - numbers in shortest exact form, escapes in help and labels */
static void
test_text(void **state)
{
    struct mtext t;
    char num[40];
    const char *names[2] = {"a", "b"};
    const char *values[2] = {"x\"y\\z\nw", "plain"};
    struct mlabels lb = {2, names, values};

    (void)state;
    assert_string_equal(mtext_double(num, sizeof num, 0.00005), "5e-05");
    assert_string_equal(mtext_double(num, sizeof num, 0.1), "0.1");
    assert_string_equal(mtext_double(num, sizeof num, 10), "10");
    assert_string_equal(mtext_double(num, sizeof num, 2.5), "2.5");
    assert_string_equal(mtext_double(num, sizeof num, 1500), "1500");
    assert_string_equal(mtext_double(num, sizeof num, 1e300), "1e+300");
    assert_string_equal(mtext_double(num, sizeof num, 1.0 / 0.0), "+Inf");
    assert_string_equal(mtext_double(num, sizeof num, 0.0 / 0.0), "NaN");
    mtext_init(&t);
    mtext_family(&t, "m", "gauge", "line\\one\nline \"two\"");
    mtext_sample_u(&t, "m", NULL, &lb, 7);
    assert_string_equal(t.buf,
                        "# HELP m line\\\\one\\nline \"two\"\n"
                        "# TYPE m gauge\n"
                        "m{a=\"x\\\"y\\\\z\\nw\",b=\"plain\"} 7\n");
    mtext_free(&t);
}

/* test_series - one series per label values; counter, gauge, histogram
 * (cumulative buckets, +Inf equal to _count) */
static void
test_series(void **state)
{
    struct metric_def c = make_def("t_hits", METRIC_COUNTER, "kind");
    struct metric_def g = make_def("t_level", METRIC_GAUGE, NULL);
    struct metric_def h = make_def("t_size", METRIC_HISTOGRAM, NULL);
    struct metric_family *fc, *fg, *fh;
    struct metric_series *a, *b;
    char err[512], *out;

    (void)state;
    metrics_registry_reset();
    fc = metrics_family_register(&c, err, sizeof err);
    fg = metrics_family_register(&g, err, sizeof err);
    fh = metrics_family_register(&h, err, sizeof err);
    assert_non_null(fc);
    assert_non_null(fg);
    assert_non_null(fh);
    a = metrics_series_get(fc, "x", 2);
    b = metrics_series_get(fc, "y", 2);
    assert_non_null(a);
    assert_ptr_not_equal(a, b);
    assert_ptr_equal(metrics_series_get(fc, "x", 2), a);
    metrics_series_record(a, 1);
    metrics_series_record(a, 2.5);
    metrics_series_record(b, 1);
    metrics_series_record(metrics_series_get(fg, "", 0), 4);
    metrics_series_record(metrics_series_get(fg, "", 0), -2);
    metrics_series_record(metrics_series_get(fh, "", 0), 0.2);
    metrics_series_record(metrics_series_get(fh, "", 0), 1);
    metrics_series_record(metrics_series_get(fh, "", 0), 7);
    assert_int_equal(metrics_registry_count(), 4);
    out = rendered();
    assert_true(has_line(out, "# TYPE t_hits_total counter"));
    assert_true(has_line(out, "t_hits_total{kind=\"x\"} 3.5"));
    assert_true(has_line(out, "t_hits_total{kind=\"y\"} 1"));
    assert_true(has_line(out, "t_level -2"));
    assert_true(has_line(out, "# TYPE t_size histogram"));
    assert_true(has_line(out, "t_size_bucket{le=\"0.5\"} 1"));
    assert_true(has_line(out, "t_size_bucket{le=\"1\"} 2"));
    assert_true(has_line(out, "t_size_bucket{le=\"5\"} 2"));
    assert_true(has_line(out, "t_size_bucket{le=\"+Inf\"} 3"));
    assert_true(has_line(out, "t_size_sum 8.2"));
    assert_true(has_line(out, "t_size_count 3"));
    free(out);
}

/* test_cap - past metrics_max_series new label values are dropped and
 * counted; existing series still count */
static void
test_cap(void **state)
{
    struct metric_def c = make_def("t_capped", METRIC_COUNTER, "helo");
    struct metric_family *f;
    char err[512], key[16], *out;
    int i;

    (void)state;
    metrics_registry_reset();
    metrics_registry_set_max(3);
    f = metrics_family_register(&c, err, sizeof err);
    assert_non_null(f);
    for (i = 0; i < 10; i++) {
        struct metric_series *s;
        snprintf(key, sizeof key, "h%d", i);
        s = metrics_series_get(f, key, strlen(key) + 1);
        if (i < 3)
            assert_non_null(s);
        else
            assert_null(s);
    }
    metrics_series_record(metrics_series_get(f, "h0", 3), 1);
    assert_int_equal(metrics_registry_count(), 3);
    assert_int_equal(metrics_registry_dropped(), 7);
    out = rendered();
    assert_true(has_line(out, "luamilter_metrics_series_dropped_total 7"));
    assert_true(has_line(out, "t_capped_total{helo=\"h0\"} 1"));
    assert_null(strstr(out, "h3"));
    free(out);
    metrics_registry_reset();
}

static int scrape_calls;

/* count_scrape - a render hook: counts, and sets the fixed gauge */
static void
count_scrape(void)
{
    struct metric_family *f = metrics_family_find("t_fixed_gauge");

    scrape_calls++;
    if (f != NULL)
        mcap_set(mcap_series(f, NULL), 42);
}

/* test_fixed - a module's fixed families are outside metrics_max_series
 * (neither refused nor taking the policy's room); render hooks run before
 * each rendering and set gauges */
static void
test_fixed(void **state)
{
    static const char *const labels[] = {"dict", "op", NULL};
    struct metric_def c = make_def("t_policy", METRIC_COUNTER, "helo");
    struct metric_family *fixed, *policy;
    char err[512], *out;
    int i;

    (void)state;
    metrics_registry_reset();
    metrics_registry_set_max(1);
    fixed = mcap_family("t_fixed_ops", METRIC_COUNTER, "ops", labels);
    assert_non_null(fixed);
    assert_non_null(mcap_family("t_fixed_gauge", METRIC_GAUGE, "g", NULL));
    for (i = 0; i < 5; i++) {
        char op[8];
        const char *v[2] = {"counts", op};
        snprintf(op, sizeof op, "op%d", i);
        assert_non_null(mcap_series(fixed, v));
    }
    policy = metrics_family_register(&c, err, sizeof err);
    assert_non_null(policy);
    assert_non_null(metrics_series_get(policy, "h0", 3));
    assert_null(metrics_series_get(policy, "h1", 3));   /* the cap: 1 */
    assert_int_equal(metrics_registry_dropped(), 1);
    {
        const char *v[2] = {"counts", "op0"};
        mcap_record(mcap_series(fixed, v), 2);
    }
    mcap_record(NULL, 1);                               /* a no-op */
    assert_null(mcap_family("t_bad_order", METRIC_COUNTER, "x",
                            (const char *const[]){"op", "dict", NULL}));
    scrape_calls = 0;
    assert_int_equal(metrics_registry_on_render(count_scrape), 0);
    assert_int_equal(metrics_registry_on_render(count_scrape), 0);  /* once */
    out = rendered();
    assert_int_equal(scrape_calls, 1);
    assert_true(has_line(out, "t_fixed_ops_total{dict=\"counts\",op=\"op0\"} 2"));
    assert_true(has_line(out, "t_fixed_gauge 42"));
    free(out);
    metrics_registry_reset();
}

/* test_declare - tentative families are hidden and may change; committed
 * ones keep their type, labels and buckets (help may change) */
static void
test_declare(void **state)
{
    struct metric_def c = make_def("t_grey", METRIC_COUNTER, "outcome");
    struct metric_def g = make_def("t_grey", METRIC_GAUGE, "outcome");
    struct metric_def l = make_def("t_grey", METRIC_COUNTER, "zone");
    char err[512], *out;

    (void)state;
    metrics_registry_reset();
    assert_int_equal(metrics_registry_declare(&c, 1, 0, "v1", err,
                                              sizeof err), 0);
    out = rendered();
    assert_null(strstr(out, "t_grey"));             /* tentative: hidden */
    free(out);
    assert_null(metrics_series_get(metrics_family_find("t_grey"), "a", 2));
    /* a script that never served may be replaced by another definition */
    assert_int_equal(metrics_registry_declare(&g, 1, 0, "v2", err,
                                              sizeof err), 0);
    metrics_registry_commit("v1");          /* v1's definition is gone */
    assert_int_equal(metrics_family_find("t_grey")->state, METRIC_TENTATIVE);
    metrics_registry_commit("v2");
    assert_int_equal(metrics_family_find("t_grey")->state, METRIC_COMMITTED);
    out = rendered();
    assert_non_null(strstr(out, "# TYPE t_grey gauge"));
    free(out);
    /* committed: a change of type or labels is refused */
    assert_int_equal(metrics_registry_declare(&c, 1, 0, "v3", err,
                                              sizeof err), -1);
    assert_non_null(strstr(err, "t_grey is a gauge with labels (outcome); "
                           "this declares a counter with labels (outcome)"));
    assert_int_equal(metrics_registry_declare(&l, 1, 1, "v3", err,
                                              sizeof err), -1);
    assert_non_null(strstr(err, "keeps its type, labels and buckets"));
    /* the same shape with other words is fine */
    g.help = "reworded";
    assert_int_equal(metrics_registry_declare(&g, 1, 0, "v4", err,
                                              sizeof err), 0);
    out = rendered();
    assert_non_null(strstr(out, "# HELP t_grey reworded"));
    free(out);
    metrics_registry_reset();
}

/* test_builtin - the daemon's calls land in their series */
static void
test_builtin(void **state)
{
    char *before, *after;
    const char *eom_fast =
        "luamilter_stage_duration_seconds_bucket{stage=\"eom\",le=\"0.0005\"}";
    const char *eom_count =
        "luamilter_stage_duration_seconds_count{stage=\"eom\"}";
    const char *delivered = "luamilter_messages_total{result=\"delivered\"}";
    const char *other = "luamilter_messages_total{result=\"other\"}";
    const char *timeout =
        "luamilter_policy_errors_total{kind=\"timeout\",stage=\"header\"}";
    const char *reload_failed = "luamilter_reloads_total{result=\"failed\"}";
    const char *rcpt = "luamilter_recipients_total{result=\"rejected\"}";

    (void)state;
    before = rendered();
    metrics_count_connection_open();
    metrics_count_connection_open();
    metrics_count_connection_close();
    metrics_count_connection_refused();
    metrics_count_message("delivered");
    metrics_count_message("delivered");
    metrics_count_message("no such result");
    metrics_count_recipient("rejected");
    metrics_observe_stage(ST_EOM, 0.0003);
    metrics_observe_stage(ST_EOM, 3);
    metrics_count_policy_error(ST_HEADER, "timeout");
    metrics_count_reload(0, "policy.lua:3: syntax error");
    metrics_count_decision_dropped();
    metrics_set_breaker(1);
    after = rendered();
    assert_true(value_of(after, "luamilter_connections_total") -
                value_of(before, "luamilter_connections_total") == 2);
    assert_true(value_of(after, "luamilter_connections_open") -
                value_of(before, "luamilter_connections_open") == 1);
    assert_true(value_of(after, delivered) - value_of(before, delivered) == 2);
    assert_true(value_of(after, other) - value_of(before, other) == 1);
    assert_true(value_of(after, rcpt) - value_of(before, rcpt) == 1);
    assert_true(value_of(after, eom_fast) - value_of(before, eom_fast) == 1);
    assert_true(value_of(after, eom_count) - value_of(before, eom_count) == 2);
    assert_true(value_of(after, timeout) - value_of(before, timeout) == 1);
    assert_true(value_of(after, reload_failed) -
                value_of(before, reload_failed) == 1);
    assert_true(value_of(after, "luamilter_decision_records_dropped_total") -
                value_of(before,
                         "luamilter_decision_records_dropped_total") == 1);
    assert_true(has_line(after, "luamilter_breaker_open 1"));
    assert_non_null(strstr(after, "\nprocess_resident_memory_bytes "));
    assert_non_null(strstr(after, "\nprocess_open_fds "));
    assert_non_null(strstr(after, "\nprocess_start_time_seconds "));
    assert_non_null(strstr(after, "\nprocess_cpu_seconds_total "));
    assert_non_null(strstr(after, "\nluamilter_lua_memory_bytes "));
    metrics_set_breaker(0);
    metrics_count_connection_close();
    free(before);
    free(after);
}

/* live_metric - self:metric as a live state runs it */
static int
live_metric(lua_State *L)
{
    return metrics_policy_metric(L, MODULE_LIVE);
}

/* test_metric - self:metric as a test state runs it (checks only) */
static int
test_metric(lua_State *L)
{
    return metrics_policy_metric(L, MODULE_TEST);
}

/* declare_class - lua_CFunction: metrics_policy_declare on the class at
 * 1 in mode 2, owner 3 */
static int
declare_class(lua_State *L)
{
    char err[1024];

    if (metrics_policy_declare(L, 1, (int)lua_tointeger(L, 2),
                               lua_tostring(L, 3), err, sizeof err) < 0)
        return luaL_error(L, "%s", err);
    return 0;
}

/* policy_state - a Lua state with declare(class, mode, owner),
 * metric(self, ...) (live) and test_metric(self, ...) */
static lua_State *
policy_state(void)
{
    lua_State *L = luaL_newstate();

    luaL_openlibs(L);
    lua_register(L, "declare", declare_class);
    lua_register(L, "metric", live_metric);
    lua_register(L, "test_metric", test_metric);
    lua_pushinteger(L, MODULE_LIVE);
    lua_setglobal(L, "LIVE");
    lua_pushinteger(L, MODULE_TEST);
    lua_setglobal(L, "TEST");
    return L;
}

/* run_lua - run code in L: NULL if it ran, else its error (static) */
static const char *
run_lua(lua_State *L, const char *code)
{
    static char msg[1024];

    if (luaL_dostring(L, code) == LUA_OK)
        return NULL;
    snprintf(msg, sizeof msg, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return msg;
}

/* expect_error - code fails with an error containing want */
static void
expect_error(lua_State *L, const char *code, const char *want)
{
    const char *err = run_lua(L, code);

    if (err == NULL || strstr(err, want) == NULL)
        fail_msg("%s\n  gave: %s\n  want: %s", code,
                 err != NULL ? err : "(no error)", want);
}

/* test_policy_declare - bad declarations are refused with what is wrong */
static void
test_policy_declare(void **state)
{
    lua_State *L = policy_state();

    (void)state;
    metrics_registry_reset();
    expect_error(L, "declare({metrics = 3}, LIVE, 'v')",
                 "metrics must be a table");
    expect_error(L, "declare({metrics = {Grey = {type = 'counter', help = "
                 "'h'}}}, LIVE, 'v')", "metrics.Grey: a metric name matches");
    expect_error(L, "declare({metrics = {hits_total = {type = 'counter', "
                 "help = 'h'}}}, LIVE, 'v')", "may not end in _total");
    expect_error(L, "declare({metrics = {x = {type = 'summary', help = 'h'}}}"
                 ", LIVE, 'v')", "type must be");
    expect_error(L, "declare({metrics = {x = {type = 'gauge'}}}, LIVE, 'v')",
                 "metrics.x: help must be");
    expect_error(L, "declare({metrics = {x = {type = 'gauge', help = 'h', "
                 "lables = {}}}}, LIVE, 'v')", "unknown field 'lables'");
    expect_error(L, "declare({metrics = {x = {type = 'counter', help = 'h', "
                 "labels = {'a', 'a'}}}}, LIVE, 'v')", "given twice");
    expect_error(L, "declare({metrics = {x = {type = 'histogram', help = 'h',"
                 " labels = {'le'}}}}, LIVE, 'v')", "reserved");
    expect_error(L, "declare({metrics = {x = {type = 'histogram', help = 'h',"
                 " buckets = {1, 1}}}}, LIVE, 'v')", "increasing order");
    expect_error(L, "declare({metrics = {x = {type = 'counter', help = 'h', "
                 "buckets = {1}}}}, LIVE, 'v')", "only a histogram");
    expect_error(L, "declare({metrics = {x = {type = 'counter', help = "
                 "'\\xff'}}}, LIVE, 'v')", "UTF-8");
    assert_null(metrics_family_find("luamilter_policy_x"));
    lua_close(L);
}

static const char policy_class[] =
    "P = {metrics = {"
    "  greylist = {type = 'counter', help = 'Greylisting outcomes',"
    "              labels = {'outcome'}},"
    "  score = {type = 'histogram', help = 'Policy score',"
    "           buckets = {0, 1, 2, 5, 10}},"
    "  inflight = {type = 'gauge', help = 'Messages being checked'},"
    "}}";

/* test_policy_metric - the example of the issue: labels, all three types,
 * exported names; misuse raises; a test state counts nothing */
static void
test_policy_metric(void **state)
{
    lua_State *L = policy_state();
    char *out;

    (void)state;
    metrics_registry_reset();
    assert_null(run_lua(L, policy_class));
    assert_null(run_lua(L, "declare(P, LIVE, 'v1')"));
    assert_null(run_lua(L,
        "metric(P, 'greylist', 1, {outcome = 'new'})\n"
        "metric(P, 'greylist', 2, {outcome = 'new'})\n"
        "metric(P, 'greylist', 1, {outcome = 'pass'})\n"
        "metric(P, 'score', 3.5)\n"
        "metric(P, 'inflight', 4)\n"
        "metric(P, 'inflight', 2)\n"
        "test_metric(P, 'greylist', 100, {outcome = 'new'})\n"
        "metric(P, 'greylist', 1, {outcome = 'bad\\xff\\0byte'})\n"
        "metric(P, 'greylist', 1, {outcome = 42})\n"));
    expect_error(L, "metric(P, 'nope', 1)", "unknown metric 'nope'");
    expect_error(L, "metric(P, 'score', '1')", "must be a number, got string");
    expect_error(L, "metric(P, 'greylist', -1, {outcome = 'x'})",
                 "only goes up");
    expect_error(L, "metric(P, 'greylist', 1)", "needs its labels {outcome}");
    expect_error(L, "metric(P, 'greylist', 1, {})", "needs label 'outcome'");
    expect_error(L, "metric(P, 'greylist', 1, {outcome = 'x', zone = 'y'})",
                 "has no label 'zone' (its labels: outcome)");
    expect_error(L, "metric(P, 'greylist', 1, {outcome = true})",
                 "must be a string or a number");
    expect_error(L, "metric(P, 'score', 0/0)", "NaN");
    expect_error(L, "test_metric(P, 'inflight', 1, {x = 1})", "has no label");
    out = rendered();
    assert_true(has_line(out, "# TYPE luamilter_policy_greylist_total counter"));
    assert_true(has_line(out, "luamilter_policy_greylist_total{outcome=\"new\"}"
                         " 3"));
    assert_true(has_line(out, "luamilter_policy_greylist_total{outcome=\"pass\""
                         "} 1"));
    assert_true(has_line(out, "luamilter_policy_greylist_total{outcome=\"bad"
                         "\xef\xbf\xbd\xef\xbf\xbd" "byte\"} 1"));
    assert_true(has_line(out, "luamilter_policy_greylist_total{outcome=\"42\"}"
                         " 1"));
    assert_true(has_line(out, "luamilter_policy_score_bucket{le=\"2\"} 0"));
    assert_true(has_line(out, "luamilter_policy_score_bucket{le=\"5\"} 1"));
    assert_true(has_line(out, "luamilter_policy_score_sum 3.5"));
    assert_true(has_line(out, "luamilter_policy_inflight 2"));
    free(out);
    lua_close(L);
    metrics_registry_reset();
}

/* test_policy_reload - a test state's declaration is tentative until its
 * script serves; a served metric keeps its type and labels */
static void
test_policy_reload(void **state)
{
    lua_State *L = policy_state();
    char *out;

    (void)state;
    metrics_registry_reset();
    assert_null(run_lua(L, policy_class));
    assert_null(run_lua(L, "declare(P, TEST, 'v1')"));
    /* the check state may use them; live states may not yet */
    assert_null(run_lua(L, "test_metric(P, 'greylist', 1, {outcome = 'a'})"));
    expect_error(L, "metric(P, 'greylist', 1, {outcome = 'a'})",
                 "unknown metric");
    metrics_set_script("v1", 1);
    assert_null(run_lua(L, "metric(P, 'greylist', 5, {outcome = 'a'})"));
    expect_error(L, "declare({metrics = {greylist = {type = 'gauge', "
                 "help = 'h', labels = {'outcome'}}}}, TEST, 'v2')",
                 "metric luamilter_policy_greylist is a counter with labels "
                 "(outcome); this declares a gauge");
    expect_error(L, "declare({metrics = {greylist = {type = 'counter', "
                 "help = 'h', labels = {'outcome', 'zone'}}}}, TEST, 'v2')",
                 "labels (outcome, zone)");
    /* the same again is fine, and the count survives */
    assert_null(run_lua(L, "declare(P, TEST, 'v2')"));
    metrics_set_script("v2", 2);
    out = rendered();
    assert_true(has_line(out, "luamilter_policy_greylist_total{outcome=\"a\"}"
                         " 5"));
    assert_true(has_line(out, "luamilter_script_info{version=\"v2\"} 1"));
    free(out);
    lua_close(L);
    metrics_registry_reset();
}

/* fake_connections - a provider with two connections */
static void
fake_connections(metrics_conn_put put, void *ud)
{
    struct metrics_conn_info a = {7, "192.0.2.1", "mx.example", "eoh", 0.5, 1,
                                  "abc", "Q1"};
    struct metrics_conn_info b = {9, NULL, NULL, "eom", 42.0, 3, "abc", NULL};

    put(&a, ud);
    put(&b, ud);
}

/* page - metrics_page's status and body for method and path */
static int
page(const char *method, const char *path, char *body, size_t len)
{
    struct mpage p;

    assert_int_equal(metrics_page(method, path, &p), 0);
    snprintf(body, len, "%s", p.body);
    free(p.body);
    return p.status;
}

/* test_pages - /healthz, /status, /connections, 404 and 405 */
static void
test_pages(void **state)
{
    char body[8192];

    (void)state;
    assert_int_equal(page("GET", "/nope", body, sizeof body), 404);
    assert_int_equal(page("POST", "/metrics", body, sizeof body), 405);
    assert_int_equal(page("HEAD", "/healthz", body, sizeof body), 405);
    assert_int_equal(page("GET", "/connections", body, sizeof body), 200);
    assert_string_equal(body, "\"unknown\"\n");
    metrics_connections_provider = fake_connections;
    assert_int_equal(page("GET", "/connections", body, sizeof body), 200);
    assert_string_equal(body,
        "[{\"conn\":9,\"client\":null,\"helo\":null,\"stage\":\"eom\","
        "\"stage_seconds\":42,\"messages\":3,\"script\":\"abc\",\"qid\":null},"
        "{\"conn\":7,\"client\":\"192.0.2.1\",\"helo\":\"mx.example\","
        "\"stage\":\"eoh\",\"stage_seconds\":0.5,\"messages\":1,"
        "\"script\":\"abc\",\"qid\":\"Q1\"}]\n");
    metrics_connections_provider = NULL;
    metrics_set_script("f00d", 3);
    assert_int_equal(page("GET", "/healthz", body, sizeof body), 200);
    assert_string_equal(body, "ok\n");
    metrics_count_reload(0, "policy.lua:1: boom");
    assert_int_equal(page("GET", "/status", body, sizeof body), 200);
    assert_non_null(strstr(body, "\"script\":{\"version\":\"f00d\","
                           "\"generation\":3,\"loaded\":\"20"));
    assert_non_null(strstr(body, "\"result\":\"failed\""));
    assert_non_null(strstr(body, "\"error\":\"policy.lua:1: boom\""));
    metrics_set_breaker(1);
    assert_int_equal(page("GET", "/healthz", body, sizeof body), 503);
    assert_string_equal(body, "circuit breaker open: the policy keeps "
                        "failing\n");
    metrics_set_breaker(0);
    metrics_set_draining();             /* last: it cannot be undone */
    assert_int_equal(page("GET", "/healthz", body, sizeof body), 503);
    assert_non_null(strstr(body, "draining"));
    assert_int_equal(page("GET", "/status", body, sizeof body), 200);
    assert_non_null(strstr(body, "\"draining\":true"));
}

/* test_listen_parse - good and bad http_listen values */
static void
test_listen_parse(void **state)
{
    struct http_addr a;
    char err[512];

    (void)state;
    assert_int_equal(metrics_listen_parse("127.0.0.1:9465", &a, err,
                                          sizeof err), 0);
    assert_int_equal(a.port, 9465);
    assert_int_equal(metrics_listen_parse("[::1]:9465", &a, err, sizeof err),
                     0);
    assert_string_equal(a.host, "::1");
    assert_int_equal(metrics_listen_parse("unix:/run/x.sock", &a, err,
                                          sizeof err), 0);
    assert_string_equal(a.path, "/run/x.sock");
    assert_int_equal(metrics_listen_parse("localhost:80", &a, err,
                                          sizeof err), -1);
    assert_non_null(strstr(err, "not an IPv4 address"));
    assert_int_equal(metrics_listen_parse("127.0.0.1:99999", &a, err,
                                          sizeof err), -1);
    assert_non_null(strstr(err, "is not a port"));
    assert_int_equal(metrics_listen_parse("9465", &a, err, sizeof err), -1);
    assert_int_equal(metrics_listen_parse("[::1]9465", &a, err, sizeof err),
                     -1);
    assert_int_equal(metrics_listen_parse("unix:rel.sock", &a, err,
                                          sizeof err), -1);
    assert_non_null(strstr(err, "absolute"));
}

/* http_get - a raw HTTP/1.0 request to fd's peer; the response */
static char *
http_exchange(int fd, const char *request)
{
    static char buf[1 << 17];
    size_t len = 0;
    ssize_t n;

    assert_int_equal(write(fd, request, strlen(request)),
                     (ssize_t)strlen(request));
    while (len < sizeof buf - 1 &&
           (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fd);
    return buf;
}

/* connect_inet - a TCP connection to 127.0.0.1:port */
static int
connect_inet(int port)
{
    struct sockaddr_in in;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons((unsigned short)port);
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&in, sizeof in), 0);
    return fd;
}

/* blocked_threads - threads of this process that block every signal */
static int
blocked_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[300], line[256];
        FILE *f;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
        f = fopen(path, "r");
        while (f != NULL && fgets(line, sizeof line, f) != NULL) {
            /* every signal but SIGKILL, SIGSTOP and glibc's own two */
            unsigned long long m, free_bits = (1ULL << 8) | (1ULL << 18) |
                                              (1ULL << 31) | (1ULL << 32);
            if (strncmp(line, "SigBlk:", 7) != 0)
                continue;
            m = strtoull(line + 7, NULL, 16);
            if ((m | free_bits) == ~0ULL)
                n++;
        }
        if (f != NULL)
            fclose(f);
    }
    closedir(d);
    return n;
}

/* test_http - the listener on a loopback port and on a unix socket,
 * with a real client; its thread blocks every signal (libmicrohttpd
 * would too) */
static void
test_http(void **state)
{
    char err[512], dir[] = "/tmp/unit-metrics.XXXXXX", spec[200], *resp;
    char where[160];
    struct http_addr a;
    struct sockaddr_un sun;
    int port, fd, before = blocked_threads();

    (void)state;
    assert_int_equal(metrics_http_start("127.0.0.1:0", (uid_t)-1, (gid_t)-1,
                                        err, sizeof err), 0);
    assert_true(blocked_threads() > before);
    port = atoi(strrchr(metrics_http_where(), ':') + 1);
    assert_true(port > 0);
    resp = http_exchange(connect_inet(port), "GET /metrics HTTP/1.0\r\n\r\n");
    assert_non_null(strstr(resp, "HTTP/1.0 200") != NULL ? resp
                            : strstr(resp, "HTTP/1.1 200"));
    assert_non_null(strstr(resp, "text/plain; version=0.0.4"));
    assert_non_null(strstr(resp, "\nluamilter_connections_total "));
    resp = http_exchange(connect_inet(port),
                         "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n"
                         "\r\nabc");
    assert_non_null(strstr(resp, " 405 "));
    assert_non_null(strstr(resp, "Allow: GET"));
    resp = http_exchange(connect_inet(port), "GET /x HTTP/1.0\r\n\r\n");
    assert_non_null(strstr(resp, " 404 "));
    metrics_http_stop();
    assert_string_equal(metrics_http_where(), "");
    /* a unix socket, mode 0660, removed at stop */
    assert_non_null(mkdtemp(dir));
    snprintf(spec, sizeof spec, "unix:%s/http.sock", dir);
    assert_int_equal(metrics_http_start(spec, (uid_t)-1, (gid_t)-1, err,
                                        sizeof err), 0);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/http.sock", dir);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    resp = http_exchange(fd, "GET /healthz HTTP/1.0\r\n\r\n");
    assert_non_null(strstr(resp, "\r\n\r\n"));
    /* a second listener on the same socket is refused, in this process
     * or any other */
    assert_int_equal(metrics_http_start(spec, (uid_t)-1, (gid_t)-1, err,
                                        sizeof err), -1);
    assert_non_null(strstr(err, "already serving"));
    assert_int_equal(metrics_listen_parse(spec, &a, err, sizeof err), 0);
    assert_int_equal(metrics_listen_open(&a, (uid_t)-1, (gid_t)-1, where,
                                         sizeof where, err, sizeof err), -1);
    assert_non_null(strstr(err, "another process is listening"));
    metrics_http_stop();
    assert_int_equal(access(sun.sun_path, F_OK), -1);
    rmdir(dir);
}

/* test_file - the metrics file is written whole, through a rename, and
 * by a thread of its own that blocks every signal */
static void
test_file(void **state)
{
    char dir[] = "/tmp/unit-metrics.XXXXXX", path[200], tmp[220], err[512];
    struct stat st;
    FILE *f;
    char buf[256];
    int before, i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/luamilter.prom", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(metrics_file_check(path, err, sizeof err), 0);
    assert_int_equal(metrics_file_check("/nonexistent/dir/x.prom", err,
                                        sizeof err), -1);
    assert_non_null(strstr(err, "does not exist"));
    assert_int_equal(metrics_file_write(path, err, sizeof err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 1000);
    assert_int_equal(access(tmp, F_OK), -1);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof buf, f));
    assert_string_equal(buf, "# HELP luamilter_build_info luamilter's "
                        "version, always 1\n");
    fclose(f);
    unlink(path);
    /* the writer thread: every signal blocked, the file comes back */
    before = blocked_threads();
    assert_int_equal(metrics_file_start(path, 0.1, err, sizeof err), 0);
    assert_true(blocked_threads() > before);
    for (i = 0; i < 500 && stat(path, &st) < 0; i++)
        usleep(10000);
    assert_int_equal(stat(path, &st), 0);
    metrics_file_stop();
    assert_int_equal(blocked_threads(), before);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_series),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_declare),
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_policy_declare),
        cmocka_unit_test(test_policy_metric),
        cmocka_unit_test(test_policy_reload),
        cmocka_unit_test(test_listen_parse),
        cmocka_unit_test(test_http),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_pages),       /* last: it starts draining */
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
