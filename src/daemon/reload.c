/*
 * reload.c - SIGHUP reloads on a thread of their own (see reload.h).
 *
 * One lock guards the state below and every commit, so a reload that has
 * been abandoned (reload_timeout, SIGTERM) can never publish anything: it
 * checks its job's abandoned flag under the lock before it commits.  A job
 * belongs to its thread, which frees it; the signal thread reaches it only
 * through reload_active, under the lock.
 */
#include "reload.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* one reload thread */
struct reload_job {
    unsigned long id;       /* 1 for the first reload, for log lines */
    double started;         /* monotonic seconds, of the pass running */
    double timeout;         /* reload_timeout when the pass started */
    int abandoned;          /* its result must not be committed */
};

static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reload_ops reload_do;
static struct reload_job *reload_active;   /* the reload whose result counts */
static int reload_again;        /* a SIGHUP came during the active reload */
static int reload_stopping;     /* SIGTERM: nothing is committed any more */
static int reload_threads;      /* reload threads running, active or not */
static unsigned long reload_count;

/* reload_setup - say what a reload does (before the first SIGHUP) */
void
reload_setup(const struct reload_ops *ops)
{
    reload_do = *ops;
}

/* begin_pass - (locked) start timing a pass of job */
static void
begin_pass(struct reload_job *job)
{
    job->started = mono_now();
    job->timeout = reload_do.timeout();
}

/* finish_pass - (locked) commit or log the outcome of a pass of the
 * active job; 1 if another pass is wanted */
static int
finish_pass(void *candidate, const char *err)
{
    if (candidate != NULL)
        reload_do.commit(candidate);
    else {
        log_err("%s", err);
        metrics_count_reload(0, err);
    }
    if (reload_do.finished != NULL)
        reload_do.finished();
    if (!reload_again)
        return 0;
    reload_again = 0;
    log_notice("reloading again, for the SIGHUP that came during the "
               "reload");
    return 1;
}

/* reload_main - the reload thread: prepare, then commit if still wanted,
 * as many passes as SIGHUPs asked for meanwhile */
static void *
reload_main(void *arg)
{
    struct reload_job *job = arg;
    char err[8192];
    void *candidate;

    for (;;) {
        err[0] = '\0';
        candidate = reload_do.prepare(err, sizeof err);
        pthread_mutex_lock(&reload_lock);
        if (job->abandoned)
            break;
        if (!finish_pass(candidate, err)) {
            candidate = NULL;
            reload_active = NULL;
            break;
        }
        begin_pass(job);
        pthread_mutex_unlock(&reload_lock);
    }
    if (job->abandoned)
        log_notice("reload %lu, abandoned, ended after %.1f s; its result "
                   "is discarded%s%s", job->id, mono_now() - job->started,
                   candidate == NULL ? ": " : "",
                   candidate == NULL ? err : "");
    reload_threads--;
    pthread_mutex_unlock(&reload_lock);
    if (job->abandoned && candidate != NULL)
        reload_do.discard(candidate);
    free(job);
    return NULL;
}

/* start_job - (locked) start a reload thread, unless too many abandoned
 * ones still run */
static void
start_job(void)
{
    struct reload_job *job;
    pthread_attr_t attr;
    pthread_t t;
    int rc;

    if (reload_threads >= RELOAD_MAX_STUCK) {
        log_err("reload refused: %d earlier reloads are still running past "
                "reload_timeout (stuck in a library call, see the "
                "watchdog's warnings); restart luamilter to end them",
                reload_threads);
        return;
    }
    job = calloc(1, sizeof *job);
    if (job == NULL) {
        log_err("reload refused: out of memory");
        return;
    }
    job->id = ++reload_count;
    begin_pass(job);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&t, &attr, reload_main, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        log_err("reload refused: cannot start a thread for it: %s",
                strerror(rc));
        free(job);
        return;
    }
    reload_active = job;
    reload_threads++;
}

/* reload_request - SIGHUP: start a reload, or ask for one more after the
 * one running */
void
reload_request(void)
{
    pthread_mutex_lock(&reload_lock);
    if (reload_stopping) {
        /* stopping: nothing more is loaded */
    } else if (reload_active != NULL) {
        reload_again = 1;
        log_notice("SIGHUP during a reload: another reload follows it");
    } else {
        start_job();
    }
    pthread_mutex_unlock(&reload_lock);
}

/* reload_tick - from the signal thread while a reload runs: refuse it once
 * reload_timeout has passed; 1 while a reload is still active */
int
reload_tick(void)
{
    struct reload_job *job;
    int busy;

    pthread_mutex_lock(&reload_lock);
    job = reload_active;
    if (job != NULL && mono_now() >= job->started + job->timeout) {
        job->abandoned = 1;
        reload_active = NULL;
        metrics_count_reload(0, "reload refused: not done after "
                                "reload_timeout");
        log_err("reload refused: not done after reload_timeout (%g s); "
                "still serving the previous configuration and script (the "
                "reload's thread is left to end on its own; the watchdog "
                "names a library call it is stuck in)", job->timeout);
        if (reload_do.finished != NULL)
            reload_do.finished();
        if (reload_again) {
            reload_again = 0;
            log_notice("reloading for the SIGHUP that came during the "
                       "refused reload");
            start_job();
        }
    }
    busy = reload_active != NULL;
    pthread_mutex_unlock(&reload_lock);
    return busy;
}

/* reload_stop - SIGTERM or SIGINT (signame): abandon the reload running,
 * take no more; the number of reload threads still running (exit must
 * not wait for them) */
int
reload_stop(const char *signame)
{
    int running;

    pthread_mutex_lock(&reload_lock);
    reload_stopping = 1;
    reload_again = 0;
    if (reload_active != NULL) {
        reload_active->abandoned = 1;
        reload_active = NULL;
        log_notice("%s during a reload: the reload is abandoned", signame);
    }
    running = reload_threads;
    pthread_mutex_unlock(&reload_lock);
    return running;
}
