/*
 * tables_bench.c - build/.../tables-bench (make tables-bench): lookups per
 * second from Lua through milter.tables, per table type, with 1 and with 8
 * threads (each its own lua_State, as connections have), all sharing one
 * loaded table.  Not part of make test: it measures, it asserts nothing.
 *
 *   tables-bench [SECONDS]    each case runs SECONDS (default 2)
 *
 * Two figures per case: lookups per second of wall-clock time (all threads
 * together), and lookups per second of CPU time the threads got (the
 * rate per core, which other load on a shared machine disturbs less).
 *
 * Tables (generated in a temporary directory): texthash of 100 000 keys
 * (half the lookups miss), cidr of 10 000 rules (/32, /24 and IPv6 /64;
 * random IPv4 keys), regexp of 20 rules (keys like envelope addresses,
 * most of them going through every rule).  A baseline case indexes a
 * plain Lua table with the same texthash keys.
 */
#include "tables_lua.h"

#include <lauxlib.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1000

static volatile int stop_flag;

struct runner {
    const struct tables_lua_host *host;
    const char *name;           /* table to look up in, NULL: baseline */
    const char *keys_file;
    pthread_barrier_t *start;
    unsigned long long lookups;
    double cpu;                 /* CPU seconds the thread used measuring */
};

/* cpu_seconds - the calling thread's CPU time */
static double
cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* seconds - the monotonic clock */
static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char bench_lua[] =
    "local name, file = ...\n"
    "local keys = {}\n"
    "for line in io.lines(file) do keys[#keys + 1] = line end\n"
    "local n, i = #keys, 0\n"
    "if name == nil then\n"
    "  local plain = {}\n"
    "  for k = 1, n, 2 do plain[keys[k]] = 'v' end\n"
    "  return function()\n"
    "    local hits = 0\n"
    "    for _ = 1, 1000 do\n"
    "      i = i % n + 1\n"
    "      if plain[keys[i]] then hits = hits + 1 end\n"
    "    end\n"
    "    return hits\n"
    "  end\n"
    "end\n"
    "local t = require('milter.tables')[name]\n"
    "return function()\n"
    "  local hits = 0\n"
    "  for _ = 1, 1000 do\n"
    "    i = i % n + 1\n"
    "    if t:lookup(keys[i]) then hits = hits + 1 end\n"
    "  end\n"
    "  return hits\n"
    "end\n";

/* run - one thread: its own state, batches of lookups until stop_flag */
static void *
run(void *arg)
{
    struct runner *r = arg;
    lua_State *L = luaL_newstate();
    int fn;

    luaL_openlibs(L);
    tables_lua_sethost(L, r->host);
    luaL_requiref(L, "milter.tables", luaopen_milter_tables, 0);
    lua_pop(L, 1);
    if (luaL_loadstring(L, bench_lua) != LUA_OK)
        goto fail;
    if (r->name != NULL)
        lua_pushstring(L, r->name);
    else
        lua_pushnil(L);
    lua_pushstring(L, r->keys_file);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK)
        goto fail;
    fn = lua_gettop(L);
    pthread_barrier_wait(r->start);
    r->cpu = cpu_seconds();
    while (!stop_flag) {
        lua_pushvalue(L, fn);
        if (lua_pcall(L, 0, 1, 0) != LUA_OK)
            goto fail;
        lua_pop(L, 1);
        r->lookups += BATCH;
    }
    r->cpu = cpu_seconds() - r->cpu;
    lua_close(L);
    return NULL;
fail:
    fprintf(stderr, "tables-bench: %s\n", lua_tostring(L, -1));
    exit(1);
}

/* a case's figures */
struct rate {
    double wall;                /* lookups per second */
    double cpu;                 /* lookups per CPU second */
};

/* measure - the rates of `threads` threads looking up for `secs` */
static struct rate
measure(const struct tables_lua_host *host, const char *name,
        const char *keys, int threads, double secs)
{
    struct rate rate;
    double cpu = 0;
    struct runner r[8];
    pthread_t tid[8];
    pthread_barrier_t start;
    unsigned long long total = 0;
    double t0, t1;
    int i;

    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    stop_flag = 0;
    for (i = 0; i < threads; i++) {
        r[i].host = host;
        r[i].name = name;
        r[i].keys_file = keys;
        r[i].start = &start;
        r[i].lookups = 0;
        pthread_create(&tid[i], NULL, run, &r[i]);
    }
    pthread_barrier_wait(&start);
    t0 = seconds();
    usleep((useconds_t)(secs * 1e6));
    stop_flag = 1;
    for (i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        total += r[i].lookups;
        cpu += r[i].cpu;
    }
    t1 = seconds();
    pthread_barrier_destroy(&start);
    rate.wall = (double)total / (t1 - t0);
    rate.cpu = cpu > 0 ? (double)total / cpu : 0;
    return rate;
}

/* report - one line: the case at 1 and at 8 threads */
static void
report(const char *label, const struct tables_lua_host *host,
       const char *name, const char *keys, double secs)
{
    struct rate one = measure(host, name, keys, 1, secs);
    struct rate eight = measure(host, name, keys, 8, secs);

    printf("%-22s %12.0f %12.0f %14.0f %14.0f\n", label, one.wall,
           eight.wall, one.cpu, eight.cpu);
}

/* write_file - dir/name from the generator gen(f) */
static char *
write_file(const char *dir, const char *name, void (*gen)(FILE *))
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    FILE *f;

    sprintf(path, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    gen(f);
    fclose(f);
    return path;
}

/* gen_texthash - 100 000 keys */
static void
gen_texthash(FILE *f)
{
    int i;

    for (i = 0; i < 100000; i++)
        fprintf(f, "host%d.example%d.test OK %d\n", i, i % 97, i);
}

/* gen_texthash_keys - every other key present, in mixed case */
static void
gen_texthash_keys(FILE *f)
{
    int i;

    for (i = 0; i < 20000; i++)
        fprintf(f, i % 2 ? "nohost%d.test\n" : "Host%d.Example%d.test\n",
                i * 5, (i * 5) % 97);
}

/* gen_cidr - 10 000 rules */
static void
gen_cidr(FILE *f)
{
    unsigned s = 7;
    int i;

    for (i = 0; i < 10000; i++) {
        unsigned a = (s = s * 1103515245u + 12345u) >> 8;

        if (i % 3 == 0)
            fprintf(f, "%u.%u.%u.%u host-%d\n", 1 + (a >> 16) % 223,
                    (a >> 8) & 255, a & 255, (a >> 4) & 255, i);
        else if (i % 3 == 1)
            fprintf(f, "%u.%u.%u.0/24 net-%d\n", 1 + (a >> 16) % 223,
                    (a >> 8) & 255, a & 255, i);
        else
            fprintf(f, "2001:db8:%x:%x::/64 v6-%d\n", a & 0xffff,
                    (a >> 16) & 0xff, i);
    }
}

/* gen_cidr_keys - random IPv4 addresses */
static void
gen_cidr_keys(FILE *f)
{
    unsigned s = 99;
    int i;

    for (i = 0; i < 20000; i++) {
        unsigned a = (s = s * 1103515245u + 12345u) >> 4;

        fprintf(f, "%u.%u.%u.%u\n", 1 + (a >> 20) % 223, (a >> 12) & 255,
                (a >> 4) & 255, a & 15);
    }
}

/* gen_regexp - 20 rules of an ordinary sender check */
static void
gen_regexp(FILE *f)
{
    int i;

    fprintf(f, "/[%%!@].*[%%!@]/ 550 Sender-specified routing rejected\n");
    fprintf(f, "/^postmaster@/ OK\n");
    for (i = 0; i < 17; i++)
        fprintf(f, "/@([a-z0-9-]+\\.)*spam%d\\.example$/ REJECT spam %d\n", i,
                i);
    fprintf(f, "/^(.*)-outgoing@(.*)$/ 550 Use ${1}@${2} instead\n");
}

/* gen_regexp_keys - envelope addresses, a few of them matching */
static void
gen_regexp_keys(FILE *f)
{
    int i;

    for (i = 0; i < 2000; i++)
        fprintf(f, i % 10 == 0 ? "user%d@mail.spam%d.example\n"
                               : "user%d@host%d.example.org\n", i, i % 20);
}

/* main - generate the tables, run every case, print a table of figures */
int
main(int argc, char **argv)
{
    static const struct {
        const char *name, *file;
        void (*gen)(FILE *), (*keys)(FILE *);
    } cases[] = {
        {"texthash", "bench.texthash", gen_texthash, gen_texthash_keys},
        {"cidr", "bench.cidr", gen_cidr, gen_cidr_keys},
        {"regexp", "bench.regexp", gen_regexp, gen_regexp_keys},
    };
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    char dir[] = "/tmp/luamilter-tables-bench.XXXXXX", err[1024], cmd[128];
    char *keys[3];
    struct tables_reg *reg;
    struct tables_set *set;
    struct tables_lua_host host = {0};
    size_t i;

    if (secs <= 0 || mkdtemp(dir) == NULL) {
        fprintf(stderr, "usage: tables-bench [SECONDS]\n");
        return 64;
    }
    reg = tables_reg_new(NULL);
    set = tables_set_new(reg);
    for (i = 0; i < 3; i++) {
        char spec[256], kname[64], *path = write_file(dir, cases[i].file,
                                                      cases[i].gen);

        snprintf(kname, sizeof kname, "%s.keys", cases[i].file);
        keys[i] = write_file(dir, kname, cases[i].keys);
        snprintf(spec, sizeof spec, "%s:%s", cases[i].name, path);
        if (tables_set_add(set, cases[i].name, spec, NULL, 0, err,
                           sizeof err) < 0) {
            fprintf(stderr, "tables-bench: %s\n", err);
            return 1;
        }
        free(path);
    }
    host.set = set;
    host.remaining = NULL;
    host.ud = NULL;
    printf("%ld CPUs online, %.1f s per case\n", sysconf(_SC_NPROCESSORS_ONLN),
           secs);
    printf("%-22s %12s %12s %14s %14s\n", "table", "1 thread/s",
           "8 threads/s", "1 thread/CPU-s", "8 threads/CPU-s");
    report("Lua table (baseline)", &host, NULL, keys[0], secs);
    for (i = 0; i < 3; i++)
        report(cases[i].name, &host, cases[i].name, keys[i], secs);
    printf("(lookups per second of wall-clock time, all threads together; "
           "per second of the CPU time they got)\n");
    tables_set_unref(set);
    tables_reg_free(reg);
    for (i = 0; i < 3; i++)
        free(keys[i]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
