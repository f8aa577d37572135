/*
 * metrics_file.c - the metrics file writer (metrics_file.h).
 */
#include "metrics_file.h"
#include "fileio.h"
#include "metrics_pages.h"
#include "metrics_text.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t file_wake;
static pthread_t file_thread;
static int file_running, file_stopping;
static char *file_path;
static double file_interval;

/* metrics_file_check - the file's directory exists */
int
metrics_file_check(const char *path, char *err, size_t errlen)
{
    char dir[4096], *slash;
    struct stat st;

    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "metrics_file %s: directory %s does not exist",
                 path, dir);
        return -1;
    }
    return 0;
}

/* metrics_file_write - the exposition into path, atomically */
int
metrics_file_write(const char *path, char *err, size_t errlen)
{
    char tmp[4200];
    struct mtext t;
    int fd, rc = -1;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    mtext_init(&t);
    metrics_render_all(&t);
    if (t.failed) {
        snprintf(err, errlen, "out of memory");
        mtext_free(&t);
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
              0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
    } else if (fileio_write_all(fd, t.buf != NULL ? t.buf : "", t.len, NULL) < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
    } else if (close(fd) < 0 || rename(tmp, path) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
    } else {
        rc = 0;
    }
    mtext_free(&t);
    return rc;
}

/* deadline_after - the monotonic time secs from now */
static struct timespec
deadline_after(double secs)
{
    struct timespec ts;
    long ns;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)secs;
    ns = ts.tv_nsec + (long)((secs - (double)(time_t)secs) * 1e9);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    return ts;
}

/* file_main - the writer thread: wait an interval, write, again; a
 * failure is logged when it starts and when it ends, not every time */
static void *
file_main(void *arg)
{
    char err[4400], last[4400] = "";
    char path[4096];

    (void)arg;
    pthread_mutex_lock(&file_lock);
    while (!file_stopping) {
        struct timespec until = deadline_after(file_interval);
        int rc = 0;
        while (!file_stopping && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&file_wake, &file_lock, &until);
        if (file_stopping)
            break;
        snprintf(path, sizeof path, "%s", file_path);
        pthread_mutex_unlock(&file_lock);
        if (metrics_file_write(path, err, sizeof err) < 0) {
            if (strcmp(err, last) != 0)
                log_warn("metrics_file: cannot write: %s", err);
            snprintf(last, sizeof last, "%s", err);
        } else if (last[0] != '\0') {
            log_notice("metrics_file: %s written again", path);
            last[0] = '\0';
        }
        pthread_mutex_lock(&file_lock);
    }
    pthread_mutex_unlock(&file_lock);
    return NULL;
}

/* metrics_file_start - write path every interval seconds (a running
 * writer takes the new path and interval); -1 with err */
int
metrics_file_start(const char *path, double interval, char *err,
                   size_t errlen)
{
    pthread_condattr_t ca;
    sigset_t all, old;
    char *copy = strdup(path);
    int rc;

    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_lock(&file_lock);
    free(file_path);
    file_path = copy;
    file_interval = interval;
    if (file_running) {
        pthread_cond_signal(&file_wake);
        pthread_mutex_unlock(&file_lock);
        return 0;
    }
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&file_wake, &ca);
    pthread_condattr_destroy(&ca);
    file_stopping = 0;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&file_thread, NULL, file_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    file_running = rc == 0;
    pthread_mutex_unlock(&file_lock);
    if (rc != 0) {
        snprintf(err, errlen, "metrics_file: cannot start its thread: %s",
                 strerror(rc));
        return -1;
    }
    return 0;
}

/* metrics_file_stop - stop the writer (the file keeps its last values) */
void
metrics_file_stop(void)
{
    pthread_mutex_lock(&file_lock);
    if (!file_running) {
        pthread_mutex_unlock(&file_lock);
        return;
    }
    file_stopping = 1;
    pthread_cond_signal(&file_wake);
    pthread_mutex_unlock(&file_lock);
    pthread_join(file_thread, NULL);
    pthread_mutex_lock(&file_lock);
    file_running = 0;
    pthread_cond_destroy(&file_wake);
    free(file_path);
    file_path = NULL;
    pthread_mutex_unlock(&file_lock);
}
