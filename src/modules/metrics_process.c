/*
 * metrics_process.c - process and Lua memory metrics (metrics_process.h).
 * A value that cannot be read is left out rather than shown as 0.
 */
#include "metrics_process.h"
#include "metrics_text.h"
#include "lconn.h"
#include "module.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* read_small - the first bytes of a /proc file into buf; -1 if unreadable */
static int
read_small(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL)
        return -1;
    n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n > 0 ? 0 : -1;
}

/* boot_time - seconds since the epoch at boot (btime of /proc/stat) */
static double
boot_time(void)
{
    char buf[8192], *p;

    if (read_small("/proc/stat", buf, sizeof buf) < 0 ||
        (p = strstr(buf, "\nbtime ")) == NULL)
        return -1;
    return strtod(p + 7, NULL);
}

/* metrics_process_start_time - when the process started, in seconds since
 * the epoch (field 22 of /proc/self/stat); -1 if unknown */
double
metrics_process_start_time(void)
{
    char buf[1024], *p;
    double boot = boot_time();
    unsigned long long start;
    long hz = sysconf(_SC_CLK_TCK);
    int field;

    if (boot < 0 || hz <= 0 || read_small("/proc/self/stat", buf,
                                          sizeof buf) < 0)
        return -1;
    p = strrchr(buf, ')');          /* the command name may hold spaces */
    if (p == NULL)
        return -1;
    for (field = 2; field < 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    if (p == NULL || sscanf(p + 1, "%llu", &start) != 1)
        return -1;
    return boot + (double)start / (double)hz;
}

/* open_fds - descriptors open now, -1 if /proc/self/fd cannot be read */
static long
open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    long n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1;                   /* the directory's own descriptor */
}

/* add_memory - lstate_each_watched: sum the bytes of live states */
static void
add_memory(struct lconn *c, void *ud)
{
    if (c->mode == MODULE_LIVE)     /* a connection's, not a check */
        *(size_t *)ud += __atomic_load_n(&c->mem_used, __ATOMIC_RELAXED);
}

/* one - a family with one sample */
static void
one(struct mtext *t, const char *name, const char *type, const char *help,
    double v)
{
    mtext_family(t, name, type, help);
    mtext_sample_d(t, name, NULL, NULL, v);
}

/* metrics_process_render - the process families, then Lua memory */
void
metrics_process_render(struct mtext *t)
{
    struct rusage ru;
    struct rlimit rl;
    char buf[256];
    unsigned long long vsize, rss;
    double start = metrics_process_start_time();
    long fds = open_fds();
    size_t lua = 0;

    if (getrusage(RUSAGE_SELF, &ru) == 0)
        one(t, "process_cpu_seconds_total", "counter",
            "Total user and system CPU time spent in seconds.",
            (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
            (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    if (read_small("/proc/self/statm", buf, sizeof buf) == 0 &&
        sscanf(buf, "%llu %llu", &vsize, &rss) == 2) {
        double page = (double)sysconf(_SC_PAGESIZE);
        one(t, "process_virtual_memory_bytes", "gauge",
            "Virtual memory size in bytes.", (double)vsize * page);
        one(t, "process_resident_memory_bytes", "gauge",
            "Resident memory size in bytes.", (double)rss * page);
    }
    if (fds >= 0)
        one(t, "process_open_fds", "gauge",
            "Number of open file descriptors.", (double)fds);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        one(t, "process_max_fds", "gauge",
            "Maximum number of open file descriptors.",
            (double)rl.rlim_cur);
    if (start >= 0)
        one(t, "process_start_time_seconds", "gauge",
            "Start time of the process since unix epoch in seconds.", start);
    lstate_each_watched(add_memory, &lua);
    one(t, "luamilter_lua_memory_bytes", "gauge",
        "Bytes held by the Lua states of open connections", (double)lua);
}
