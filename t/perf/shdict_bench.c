/* shdict_bench.c - incr operations per second on a shared dictionary,
 * from Lua, with 1 and 8 threads each running its own lua_State (built and
 * run by `make bench-shdict`; not part of make test).
 *   shdict_bench [OPS_PER_THREAD]    default 2000000 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shdict_set.h"
#include "../c/shdict_lstate.h"

/* one benchmark thread */
struct worker {
    struct shdict_set *set;
    const char *code;
    long ops;
    int id;
    int failed;
};

/* now_s - the monotonic clock in seconds */
static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* worker_main - run the benchmark loop in a state of this thread's own */
static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    lua_State *L = shdict_test_state(w->set);

    if (luaL_loadstring(L, w->code) != LUA_OK) {
        w->failed = 1;
    } else {
        lua_pushinteger(L, w->ops);
        lua_pushinteger(L, w->id);
        if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
            fprintf(stderr, "shdict_bench: %s\n", lua_tostring(L, -1));
            w->failed = 1;
        }
    }
    lua_close(L);
    return NULL;
}

/* run - nthreads threads running code; prints and returns ops per second */
static double
run(struct shdict_set *set, const char *what, const char *code,
    int nthreads, long ops)
{
    struct worker w[8];
    pthread_t tid[8];
    double t0, dt;
    int i;

    t0 = now_s();
    for (i = 0; i < nthreads; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].set = set;
        w[i].code = code;
        w[i].ops = ops;
        w[i].id = i;
        if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0) {
            perror("pthread_create");
            exit(1);
        }
    }
    for (i = 0; i < nthreads; i++)
        pthread_join(tid[i], NULL);
    dt = now_s() - t0;
    for (i = 0; i < nthreads; i++)
        if (w[i].failed)
            exit(1);
    printf("%-28s %d thread%s  %10.0f ops/s  (%ld ops in %.2f s)\n", what,
           nthreads, nthreads > 1 ? "s" : " ",
           (double)ops * nthreads / dt, ops * nthreads, dt);
    return (double)ops * nthreads / dt;
}

/* main - incr on one shared key and on a key per thread, 1 and 8 threads */
int
main(int argc, char **argv)
{
    static const char one_key[] =
        "local n = ... local d = shared.bench\n"
        "for i = 1, n do d:incr('hits', 1, 0) end\n";
    static const char own_key[] =
        "local n, id = ... local d = shared.bench local k = 'hits' .. id\n"
        "for i = 1, n do d:incr(k, 1, 0) end\n";
    static const char loop_only[] =
        "local n = ... local d = shared.bench local f = d.capacity\n"
        "for i = 1, n do f(d) end\n";
    struct shdict_set *set = shdict_set_new(NULL, NULL, NULL);
    struct shdict_decls ds = {0};
    long ops = argc > 1 ? atol(argv[1]) : 2000000;
    char err[256];
    int threads[] = {1, 8}, t;

    if (set == NULL || ops <= 0 ||
        shdict_decls_add(&ds, "bench 8M", NULL, 0, err, sizeof err) < 0 ||
        shdict_set_apply(set, &ds, err, sizeof err) < 0) {
        fprintf(stderr, "shdict_bench: cannot set up\n");
        return 1;
    }
    for (t = 0; t < 2; t++) {
        run(set, "incr, one key for all", one_key, threads[t], ops);
        run(set, "incr, one key per thread", own_key, threads[t], ops);
        run(set, "C call floor (capacity)", loop_only, threads[t], ops);
    }
    shdict_decls_free(&ds);
    shdict_set_free(set);
    return 0;
}
