/* metrics_bench.c - the cost of metrics on the callback path: built-in
 * counter and histogram calls, a labelled policy counter and histogram
 * through the registry, and self:metric through Lua, from 1 and 8
 * threads (make bench-metrics; not part of make test). */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "metrics_policy.h"
#include "metrics_registry.h"
#include "module.h"

#define OPS 2000000L
#define LUA_OPS 500000L

static struct metric_family *bench_counter, *bench_hist;

/* now - monotonic seconds */
static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* builtin_counter - metrics_count_message in a loop */
static void *
builtin_counter(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < OPS; i++)
        metrics_count_message("delivered");
    return NULL;
}

/* builtin_histogram - metrics_observe_stage in a loop */
static void *
builtin_histogram(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < OPS; i++)
        metrics_observe_stage(ST_EOM, (double)(i & 1023) * 1e-5);
    return NULL;
}

/* policy_counter - a labelled counter: series lookup and add */
static void *
policy_counter(void *arg)
{
    static const char *const keys[] = {"new", "pass", "fail", "skip"};
    long i;

    (void)arg;
    for (i = 0; i < OPS; i++) {
        const char *k = keys[i & 3];
        metrics_series_record(metrics_series_get(bench_counter, k,
                                                 strlen(k) + 1), 1);
    }
    return NULL;
}

/* policy_histogram - an unlabelled histogram: lookup and observe */
static void *
policy_histogram(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < OPS; i++)
        metrics_series_record(metrics_series_get(bench_hist, "", 0),
                              (double)(i & 15));
    return NULL;
}

/* live_metric - self:metric as a live state runs it */
static int
live_metric(lua_State *L)
{
    return metrics_policy_metric(L, MODULE_LIVE);
}

/* lua_metric - self:metric("greylist", 1, {outcome = ...}) from Lua */
static void *
lua_metric(void *arg)
{
    lua_State *L = luaL_newstate();
    char code[512];

    (void)arg;
    luaL_openlibs(L);
    lua_register(L, "metric", live_metric);
    snprintf(code, sizeof code,
             "local self, labels = {}, {{outcome = 'new'}, {outcome = 'pass'}}\n"
             "for i = 1, %ld do metric(self, 'greylist', 1, labels[i %% 2 + 1]) end",
             LUA_OPS);
    if (luaL_dostring(L, code) != LUA_OK)
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
    lua_close(L);
    return NULL;
}

/* lua_baseline - the same Lua loop calling a C function that does
 * nothing: what self:metric costs beyond any action call */
static int
noop(lua_State *L)
{
    (void)L;
    return 0;
}

static void *
lua_baseline(void *arg)
{
    lua_State *L = luaL_newstate();
    char code[512];

    (void)arg;
    luaL_openlibs(L);
    lua_register(L, "metric", noop);
    snprintf(code, sizeof code,
             "local self, labels = {}, {{outcome = 'new'}, {outcome = 'pass'}}\n"
             "for i = 1, %ld do metric(self, 'greylist', 1, labels[i %% 2 + 1]) end",
             LUA_OPS);
    if (luaL_dostring(L, code) != LUA_OK)
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
    lua_close(L);
    return NULL;
}

/* run - fn on n threads; prints ns per operation and the total rate */
static void
run(const char *name, void *(*fn)(void *), int n, long ops)
{
    pthread_t t[8];
    double t0 = now(), secs;
    int i;

    for (i = 0; i < n; i++)
        pthread_create(&t[i], NULL, fn, NULL);
    for (i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    secs = now() - t0;
    printf("%-28s %d thread%s  %6.1f ns/op (wall / ops per thread)  "
           "%7.1f M ops/s in all\n", name, n, n == 1 ? " " : "s",
           secs * 1e9 / (double)ops, (double)ops * n / secs / 1e6);
}

int
main(void)
{
    struct metric_def c, h;
    char err[512];
    int n;

    memset(&c, 0, sizeof c);
    snprintf(c.name, sizeof c.name, "luamilter_policy_greylist");
    c.type = METRIC_COUNTER;
    c.help = "bench";
    c.nlabels = 1;
    snprintf(c.labels[0], sizeof c.labels[0], "outcome");
    h = c;
    snprintf(h.name, sizeof h.name, "luamilter_policy_score");
    h.type = METRIC_HISTOGRAM;
    h.nlabels = 0;
    h.nbounds = 5;
    h.bounds[0] = 0;
    h.bounds[1] = 1;
    h.bounds[2] = 2;
    h.bounds[3] = 5;
    h.bounds[4] = 10;
    bench_counter = metrics_family_register(&c, err, sizeof err);
    bench_hist = metrics_family_register(&h, err, sizeof err);
    if (bench_counter == NULL || bench_hist == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (n = 1; n <= 8; n += 7) {
        run("built-in counter", builtin_counter, n, OPS);
        run("built-in stage histogram", builtin_histogram, n, OPS);
        run("policy counter, 1 label", policy_counter, n, OPS);
        run("policy histogram", policy_histogram, n, OPS);
        run("self:metric from Lua", lua_metric, n, LUA_OPS);
        run("  (Lua call of a no-op)", lua_baseline, n, LUA_OPS);
    }
    return 0;
}
