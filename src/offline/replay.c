/*
 * replay.c - "luamilter replay": run a policy over stored messages.
 *
 * Each message is split as an MTA would send it and run, as one
 * connection on the recording MTA, through the transaction driver
 * (driver.h): the same session, callbacks and action bindings as live
 * traffic, the stages the policy negotiated away skipped, stopping where
 * an MTA would.  The report (replay_report.h) is one of the driver's
 * observers.
 */
#include "replay.h"
#include "config.h"
#include "clock.h"
#include "conn.h"
#include "decision.h"
#include "driver.h"
#include "engine.h"
#include "log.h"
#include "message.h"
#include "module.h"
#include "fileio.h"
#include "paths.h"
#include "policytest.h"
#include "replay_report.h"
#include "script.h"
#include "stage.h"
#include "watchdog.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXIT_DELIVERED 0
#define EXIT_QUARANTINED 1
#define EXIT_DISCARDED 2
#define EXIT_REJECTED 3
#define EXIT_TEMPFAILED 4
#define EXIT_USAGE 64
#define EXIT_NOINPUT 66
#define EXIT_CONFIG 78

#define MAX_LIST 256
#define NRESULTS 6          /* delivered ... tempfailed, skipped */
#define SKIPPED 5           /* the counts[] slot of skipped messages */

struct replay_opts {
    const char *config;
    const char *script;
    const char *from;
    const char *rcpts[MAX_LIST];
    int nrcpts;
    const char *client;
    const char *helo;
    struct driver_macro macros[MAX_LIST];  /* --macro STAGE:NAME=VALUE */
    char names[MAX_LIST][256];              /* their names */
    int nmacros;
    int json;
    int no_tests;                   /* skip the policy's own tests */
    double advance;                 /* seconds the clock moves between
                                     * messages (--advance) */
    int live_io;                    /* modules may use the network */
    struct module_run *run;         /* the clock and dictionaries of the
                                     * whole replay */
};

static unsigned replay_seq;
static unsigned replayed;           /* messages begun, for --advance */

/* usage - the replay help text */
static void
usage(FILE *f)
{
    fprintf(f,
"usage: luamilter replay [-c CONF] [-s SCRIPT] [--from ADDR] [--rcpt ADDR]...\n"
"                        [--client IP[:PORT]] [--helo NAME]\n"
"                        [--macro STAGE:NAME=VALUE]... [--json] [--no-tests]\n"
"                        [--advance SECONDS] [--live-io] MESSAGE...\n"
"\n"
"Runs the policy over stored messages (files, or directories of files)\n"
"through the same C core as live traffic, with a recording MTA, and prints\n"
"per stage the verdict and every action.\n"
"\n"
"  -c CONF        configuration file (script, lua_path, on_error, log_level,\n"
"                 callback_timeout, memory_limit, lua_allow)\n"
"  -s SCRIPT      policy script (overrides the config)\n"
"  --from ADDR    envelope sender (default: Return-Path, else From, else <>)\n"
"  --rcpt ADDR    envelope recipient, repeatable (default: To and Cc)\n"
"  --client IP[:PORT]  client address (default 127.0.0.1:25025)\n"
"  --helo NAME    HELO name (default localhost)\n"
"  --macro STAGE:NAME=VALUE  a macro for a stage (connect helo envfrom\n"
"                 envrcpt data eoh eom), repeatable; overrides the defaults\n"
"  --json         one JSON record per message instead of text\n"
"  --no-tests     do not run the policy's own tests (a warning says so), to\n"
"                 replay a policy whose tests fail\n"
"  --advance SECONDS  move the clock (milter.now(), the expiry of shared\n"
"                 dictionaries) forward this much before each message but\n"
"                 the first: a greylisting retry or a rate window, without\n"
"                 waiting\n"
"  --live-io      let modules reach the network: milter.redis uses the\n"
"                 config's redis, milter.dns asks dns_servers (without it\n"
"                 Redis is \"not available in policy tests\" and DNS\n"
"                 answers \"unrecorded\": the network is never touched)\n"
"\n"
"The messages share one set of shared dictionaries (the config's\n"
"shared_dict lines), fresh for each replay; the daemon's are never\n"
"touched.\n"
"\n"
"Bytes outside printable ASCII are shown as \\xHH in text and as \\u00HH\n"
"(one code point per byte) in JSON.\n"
"\n"
"A message with no recipient (no --rcpt, no To or Cc) is not replayed: its\n"
"result is \"skipped\", with the reason, and the exit status 64.\n"
"\n"
"Exit status: the worst outcome over all messages:\n"
"  0 delivered, 1 quarantined, 2 discarded, 3 rejected, 4 temporarily\n"
"  failed (this includes policy errors under on_error = tempfail),\n"
"  64 usage error (a message without recipient too), 66 a message could not\n"
"  be read, 78 config or script error (the policy's own tests failing too).\n");
}

/* parse_client - IP[:PORT] or [IPv6]:PORT into the address text and the
 * port (25025 when not given); 0, or -1 if it is neither */
static int
parse_client(const char *spec, char *ip, size_t iplen, long *port)
{
    unsigned char scratch[sizeof(struct in6_addr)];
    char buf[128];
    char *p = NULL;

    *port = 25025;
    snprintf(buf, sizeof buf, "%s", spec);
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            return -1;
        if (close[1] == ':')
            p = close + 2;
        *close = '\0';
        memmove(buf, buf + 1, strlen(buf + 1) + 1);
    } else if (strchr(buf, ':') != NULL &&
               strchr(buf, ':') == strrchr(buf, ':')) {
        p = strchr(buf, ':');
        *p++ = '\0';
    }
    if (p != NULL) {
        char *end;
        *port = strtol(p, &end, 10);
        if (*p == '\0' || *end != '\0' || *port < 0 || *port > 65535)
            return -1;
    }
    if (inet_pton(AF_INET, buf, scratch) != 1 &&
        inet_pton(AF_INET6, buf, scratch) != 1)
        return -1;
    snprintf(ip, iplen, "%s", buf);
    return 0;
}

/* run_message - replay one parsed message on a connection of its own,
 * reported by r */
static void
run_message(const struct replay_opts *ro, const struct message *m,
            struct report *r)
{
    struct driver_env env;
    struct driver d;
    char ip[64], qid[32], err[512];
    long port = 25025;

    memset(&env, 0, sizeof env);
    if (ro->client != NULL && parse_client(ro->client, ip, sizeof ip,
                                           &port) == 0)
        env.client = ip;
    env.port = port;
    env.helo = ro->helo;
    env.from = ro->from;
    env.rcpts = ro->rcpts;
    env.nrcpts = (size_t)ro->nrcpts;
    env.macros = ro->macros;
    env.nmacros = (size_t)ro->nmacros;
    snprintf(qid, sizeof qid, "REPLAY%05u", ++replay_seq);
    env.queue_id = qid;
    env.need_rcpts = 1;                 /* nothing an MTA would filter */
    if (driver_open(&d, NULL, ro->live_io ? MODULE_REPLAY_LIVE_IO
                                          : MODULE_REPLAY,
                    &report_observer, r, err, sizeof err) < 0 ||
        (r->json && decision_attach(d.c, REPORT_RECORD_MAX, report_decision,
                                    r) < 0) ||
        driver_message(&d, m, &env, err, sizeof err) < 0) {
        fprintf(stderr, "luamilter replay: %s\n", err);
        exit(EXIT_CONFIG);
    }
    driver_close(&d);
}

/* replay_file - replay one file and print its record */
static int
replay_file(const struct replay_opts *ro, const char *path, int *worst,
            unsigned counts[NRESULTS])
{
    size_t len = 0;
    unsigned char *buf;
    struct message m;
    struct report r;
    char err[512];

    buf = (unsigned char *)fileio_read(path, 256u << 20, &len, err,
                                       sizeof err);
    if (buf == NULL) {
        fprintf(stderr, "luamilter replay: %s\n", err);
        return -1;
    }
    if (message_parse(buf, len, &m, err, sizeof err) < 0) {
        free(buf);
        fprintf(stderr, "luamilter replay: %s: %s\n", path, err);
        return -1;
    }
    free(buf);
    if (replayed++ > 0 && ro->advance > 0)
        clock_advance(ro->run, ro->advance);
    report_begin(&r, ro->json, path);
    run_message(ro, &m, &r);
    report_end(&r);
    message_free(&m);
    if (r.oc.reason != NULL)
        fprintf(stderr, "luamilter replay: %s: %s\n", path, r.oc.reason);
    if (r.oc.code > *worst)
        *worst = r.oc.code;
    counts[r.oc.reason != NULL ? SKIPPED : r.oc.code]++;
    return 0;
}

/* cmp_names - qsort comparison of file names */
static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* replay_path - a file, or every regular file of a directory (sorted) */
static int
replay_path(const struct replay_opts *ro, const char *path, int *worst,
            unsigned counts[NRESULTS])
{
    struct stat st;
    DIR *dir;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, i;
    int rc = 0;

    if (stat(path, &st) < 0) {
        fprintf(stderr, "luamilter replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(ro, path, worst, counts);
    dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "luamilter replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((de = readdir(dir)) != NULL) {
        char full[4096];
        char **grown;
        if (de->d_name[0] == '.')
            continue;
        snprintf(full, sizeof full, "%s/%s", path, de->d_name);
        if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        grown = realloc(names, (n + 1) * sizeof *names);
        if (grown == NULL)
            break;
        names = grown;
        names[n++] = strdup(full);
    }
    closedir(dir);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        if (names[i] != NULL && replay_file(ro, names[i], worst, counts) < 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

/* parse_opts - the replay command line */
static int
parse_opts(int argc, char **argv, struct replay_opts *ro)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"rcpt", required_argument, NULL, 'r'},
        {"client", required_argument, NULL, 'C'},
        {"helo", required_argument, NULL, 'H'},
        {"macro", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"no-tests", no_argument, NULL, 'T'},
        {"advance", required_argument, NULL, 'A'},
        {"live-io", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}
    };
    int ch;

    memset(ro, 0, sizeof *ro);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': ro->config = optarg; break;
        case 's': ro->script = optarg; break;
        case 'f': ro->from = optarg; break;
        case 'r':
            if (ro->nrcpts == MAX_LIST)
                return -1;
            ro->rcpts[ro->nrcpts++] = optarg;
            break;
        case 'C': ro->client = optarg; break;
        case 'H': ro->helo = optarg; break;
        case 'm': {
            const char *colon = strchr(optarg, ':');
            const char *eq = colon != NULL ? strchr(colon, '=') : NULL;
            char stage[16];
            int code;
            if (colon == NULL || eq == NULL ||
                (size_t)(colon - optarg) >= sizeof stage) {
                fprintf(stderr, "luamilter replay: --macro %s: expected "
                        "STAGE:NAME=VALUE\n", optarg);
                return -1;
            }
            snprintf(stage, sizeof stage, "%.*s", (int)(colon - optarg),
                     optarg);
            code = stage_symlist_parse(stage);
            if (code < 0) {
                fprintf(stderr, "luamilter replay: --macro %s: unknown stage "
                        "'%s' (connect helo envfrom envrcpt data eoh eom)\n",
                        optarg, stage);
                return -1;
            }
            if (ro->nmacros == MAX_LIST ||
                (size_t)(eq - colon - 1) >= sizeof ro->names[0])
                return -1;
            snprintf(ro->names[ro->nmacros], sizeof ro->names[0], "%.*s",
                     (int)(eq - colon - 1), colon + 1);
            ro->macros[ro->nmacros].stage = code;
            ro->macros[ro->nmacros].name = ro->names[ro->nmacros];
            ro->macros[ro->nmacros].value = eq + 1;
            ro->nmacros++;
            break;
        }
        case 'j': ro->json = 1; break;
        case 'T': ro->no_tests = 1; break;
        case 'L': ro->live_io = 1; break;
        case 'A': {
            char *end;
            ro->advance = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(ro->advance >= 0) ||
                ro->advance > CLOCK_ADVANCE_MAX) {
                fprintf(stderr, "luamilter replay: --advance %s: expected "
                        "seconds, 0 or more (decimals allowed)\n", optarg);
                return -1;
            }
            break;
        }
        case 'h': usage(stdout); exit(0);
        default: return -1;
        }
    }
    if (ro->client != NULL) {
        char ip[64];
        long port;
        if (parse_client(ro->client, ip, sizeof ip, &port) < 0) {
            fprintf(stderr, "luamilter replay: --client %s: expected IP or "
                    "IP:PORT ([IPv6]:PORT)\n", ro->client);
            return -1;
        }
    }
    return 0;
}

/* replay_main - entry point of "luamilter replay" */
int
replay_main(int argc, char **argv)
{
    struct replay_opts ro;
    struct config *cfg;
    struct script_options so;
    struct script *s;
    struct module_run *run;
    char err[8192], *script_path = NULL;
    unsigned counts[NRESULTS] = {0, 0, 0, 0, 0, 0};
    static const char *const names[NRESULTS] = {
        "delivered", "quarantined", "discarded", "rejected", "tempfailed",
        "skipped"
    };
    int worst = 0, i, rc = 0, total = 0;

    if (parse_opts(argc, argv, &ro) < 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "luamilter replay: no message given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    cfg = config_new();
    if (cfg == NULL) {
        fprintf(stderr, "luamilter replay: out of memory\n");
        return EXIT_CONFIG;
    }
    if (ro.config != NULL && config_load(cfg, ro.config, err, sizeof err) < 0) {
        fprintf(stderr, "luamilter replay: %s\n", err);
        config_unref(cfg);
        return EXIT_CONFIG;
    }
    log_setup(0, cfg->log_level);
    if (ro.script != NULL)
        script_path = strdup(ro.script);
    else if (cfg->script != NULL)
        script_path = paths_relative_to(cfg->file, cfg->script);
    if (script_path == NULL) {
        fprintf(stderr, "luamilter replay: no policy script: use -s or a "
                "config with 'script'\n");
        config_unref(cfg);
        return EXIT_USAGE;
    }
    if (watchdog_start() < 0)
        fprintf(stderr, "luamilter replay: cannot start the watchdog "
                "thread; a callback stuck in a library call will not be "
                "logged\n");
    script_options_init(&so, cfg, script_path);
    if (ro.no_tests) {
        engine_set_tester(NULL);
        fprintf(stderr, "luamilter replay: warning: --no-tests: the policy's "
                "own tests were not run\n");
    }
    s = script_load(&so, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "luamilter replay: %s\n", err);
        if (!ro.no_tests && strstr(err, POLICYTEST_FAILED) != NULL)
            fprintf(stderr, "luamilter replay: --no-tests replays it anyway, "
                    "to see where it goes wrong\n");
        free(script_path);
        config_unref(cfg);
        return EXIT_CONFIG;
    }
    script_publish(s);
    run = module_run_new();     /* one clock and set of dictionaries for
                                 * all the messages */
    if (run == NULL) {
        fprintf(stderr, "luamilter replay: out of memory\n");
        return EXIT_CONFIG;
    }
    conn_set_run(run);
    ro.run = run;
    for (i = optind; i < argc; i++)
        if (replay_path(&ro, argv[i], &worst, counts) < 0)
            rc = EXIT_NOINPUT;
    for (i = 0; i < NRESULTS; i++)
        total += (int)counts[i];
    if (total > 1 && !ro.json) {
        printf("summary: %d messages\n", total);
        for (i = 0; i < NRESULTS; i++)
            if (counts[i] > 0)
                printf("summary: %s %u%s\n", names[i], counts[i],
                       i == SKIPPED ? " (no recipient)" : "");
    }
    conn_set_run(NULL);
    module_run_free(run);
    free(script_path);
    config_unref(cfg);
    return rc != 0 ? rc : worst;
}
