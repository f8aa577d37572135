/*
 * policy_kit.c - policies for the unit tests of the Lua layer (see
 * policy_kit.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "dispatch.h"
#include "event.h"
#include "log.h"
#include "policy_kit.h"
#include "script.h"

#define KIT_FILES 16            /* files one test program may write */

static char dir[64];            /* the scratch directory */
static char files[KIT_FILES][160];     /* their paths */
static int nfiles;
static char logbuf[1 << 16];    /* captured log lines, one per line */
static size_t loglen;
static int logworst = LOGL_DEBUG + 1;   /* the most severe level captured */
static char bound_msg[256];     /* what kit_bound is timing, as said */

/* kit_setup - quiet logs and a scratch directory /tmp/lm-unit-kit-PID (a
 * cmocka group setup) */
int
kit_setup(void **state)
{
    (void)state;
    log_setup(0, -1);
    snprintf(dir, sizeof dir, "/tmp/lm-unit-kit-%ld", (long)getpid());
    return mkdir(dir, 0700);
}

/* kit_teardown - remove the files written and the scratch directory (a
 * cmocka group teardown) */
int
kit_teardown(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < nfiles; i++)
        unlink(files[i]);
    nfiles = 0;
    return rmdir(dir);
}

/* kit_dir - the scratch directory */
const char *
kit_dir(void)
{
    return dir;
}

/* remember - dir/file, noted once for kit_teardown; its path */
static const char *
remember(const char *file)
{
    char path[sizeof files[0]];
    int i;

    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
        fail_msg("policy_kit: file name too long (%s)", file);
    for (i = 0; i < nfiles; i++)
        if (strcmp(files[i], path) == 0)
            return files[i];
    if (nfiles == KIT_FILES)
        fail_msg("policy_kit: more than %d files", KIT_FILES);
    memcpy(files[nfiles], path, sizeof path);
    return files[nfiles++];
}

/* kit_write - dir/file with this text; its path */
const char *
kit_write(const char *file, const char *text)
{
    const char *path = remember(file);
    FILE *f;

    f = fopen(path, "w");
    if (f == NULL)
        fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
    return path;
}

/* kit_load - compile and check a policy (its top level, and its own tests
 * if a tester is installed) with these limits; NULL and err on failure */
struct script *
kit_load(const char *src, const struct kit_limits *lim, char *err,
         size_t errlen)
{
    struct script_options so;
    struct script *s;

    memset(&so, 0, sizeof so);
    so.path = kit_write("policy.lua", src);
    so.libdir = "lua";
    so.cfg = config_new();
    if (so.cfg == NULL)
        fail_msg("out of memory");
    if (lim->lua_path != NULL && (so.cfg->lua_path = strdup(lim->lua_path))
                                 == NULL)
        fail_msg("out of memory");
    so.cfg->callback_timeout = lim->callback_timeout;
    so.cfg->memory_limit = lim->memory_limit;
    so.cfg->lua_allow = lim->lua_allow;
    s = script_load(&so, err, errlen);
    config_unref(so.cfg);
    return s;
}

/* kit_publish - load a policy (or fail) and make it the current script;
 * it stays valid while it is current */
struct script *
kit_publish(const char *src, const struct kit_limits *lim)
{
    char err[4096];
    struct script *s = kit_load(src, lim, err, sizeof err);

    if (s == NULL)
        fail_msg("policy did not load: %s", err);
    script_publish(s);
    return s;
}

/* kit_use - publish a policy, then open a connection on it whose actions
 * go to mta, and negotiate it with Postfix's offer; the connection */
struct conn *
kit_use(const char *src, const struct kit_limits *lim, struct mta mta)
{
    const unsigned long offer[4] = {0x1ff, 0x1fffff, 0, 0};
    unsigned long actions, protocol;
    struct conn *c;

    kit_publish(src, lim);
    c = conn_new(&mta);
    if (c == NULL)
        fail_msg("out of memory");
    assert_int_equal(session_negotiate(c, offer, &actions, &protocol),
                     SMFIS_CONTINUE);
    return c;
}

/* one_arg - a stage given one argument, as envfrom and envrcpt are */
static int
one_arg(struct conn *c, enum stage st, const char *a)
{
    char *argv[2];
    struct event ev;

    argv[0] = (char *)a;
    argv[1] = NULL;
    event_argv(&ev, argv);
    return session_stage(c, st, &ev);
}

/* kit_envfrom - envfrom(from) on c; its status */
int
kit_envfrom(struct conn *c, const char *from)
{
    return one_arg(c, ST_ENVFROM, from);
}

/* kit_envrcpt - envrcpt(rcpt) on c; its status */
int
kit_envrcpt(struct conn *c, const char *rcpt)
{
    return one_arg(c, ST_ENVRCPT, rcpt);
}

/* kit_bare - a stage without arguments (eom, abort, ...) on c; its status */
int
kit_bare(struct conn *c, enum stage st)
{
    struct event ev;

    event_none(&ev);
    return session_stage(c, st, &ev);
}

/* kit_close - close c (its close callback runs) and free it */
void
kit_close(struct conn *c)
{
    session_close(c);
}

/* capture - the log hook: keep the line */
static void
capture(int level, const char *line, void *ud)
{
    size_t n = strlen(line);

    (void)ud;
    if (level < logworst)
        logworst = level;
    if (loglen + n + 2 > sizeof logbuf)
        return;
    memcpy(logbuf + loglen, line, n);
    loglen += n;
    logbuf[loglen++] = '\n';
    logbuf[loglen] = '\0';
}

/* kit_log_capture - from now on keep this thread's log lines (forgetting
 * those kept so far) */
void
kit_log_capture(void)
{
    loglen = 0;
    logbuf[0] = '\0';
    logworst = LOGL_DEBUG + 1;
    log_set_hook(capture, NULL, NULL, NULL);
}

/* kit_log - the log lines captured */
const char *
kit_log(void)
{
    return logbuf;
}

/* kit_log_has - fail unless a captured line contains text */
void
kit_log_has(const char *text)
{
    if (strstr(logbuf, text) == NULL)
        fail_msg("the log lacks \"%s\"; it has:\n%.2000s", text, logbuf);
}

/* kit_log_none_at - fail if a line at level or more severe was captured */
void
kit_log_none_at(int level)
{
    if (logworst <= level)
        fail_msg("the log has a line at %s or worse:\n%.2000s",
                 log_level_name(level), logbuf);
}

/* on_alarm - a bounded test ran out of time: say which, remove the
 * scratch directory, and stop */
static void
on_alarm(int sig)
{
    ssize_t w;

    (void)sig;
    w = write(STDERR_FILENO, bound_msg, strlen(bound_msg));
    (void)w;
    kit_teardown(NULL);
    _exit(1);
}

/* kit_bound - fail the whole program if what is not done within seconds
 * (0: done, the bound is lifted) */
void
kit_bound(unsigned seconds, const char *what)
{
    snprintf(bound_msg, sizeof bound_msg, "policy_kit: not done within %u s "
             "(hung?): %s\n", seconds, what);
    signal(SIGALRM, on_alarm);
    alarm(seconds);
}
