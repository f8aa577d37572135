/*
 * recordlog.c - the decision record sink and its writer thread (see
 * recordlog.h).
 */
#include "recordlog.h"
#include "fileio.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define RECORDLOG_MODE 0640

static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rl_wake = PTHREAD_COND_INITIALIZER;   /* writer */
static pthread_cond_t rl_idle = PTHREAD_COND_INITIALIZER;   /* flush */
static char *rl_queue, *rl_spare;   /* the queue, and the writer's copy */
static size_t rl_len, rl_cap;
static int rl_kind;                 /* enum recordlog_kind, atomic */
static int rl_fd = -1;              /* the file (RECORDLOG_FILE) */
static int rl_retired = -1;         /* a file the writer closes next */
static char *rl_path;               /* the file's path, for reopen */
static int rl_writing;              /* the writer holds a batch */
static int rl_batch_fd = -1;        /* the file that batch goes to */
static int rl_thread;               /* the writer thread runs */
static int rl_failing;              /* the last write failed (warned) */
static unsigned long long rl_dropped, rl_written;   /* atomic */

/* recordlog_kind_of - what a decision_log value names */
int
recordlog_kind_of(const char *spec)
{
    if (spec == NULL || *spec == '\0')
        return RECORDLOG_OFF;
    if (strcmp(spec, "stderr") == 0)
        return RECORDLOG_STDERR;
    if (strcmp(spec, "syslog") == 0)
        return RECORDLOG_SYSLOG;
    return RECORDLOG_FILE;
}

/* count_lines - newline-terminated lines in buf */
static unsigned long long
count_lines(const char *buf, size_t len)
{
    unsigned long long n = 0;
    size_t i;

    for (i = 0; i < len; i++)
        n += buf[i] == '\n';
    return n;
}

/* write_file - a batch appended to the file fd: when a write fails part
 * way (disk full, a size limit), a regular file is cut back to where the
 * batch began, so that no half line is left for the next one to follow;
 * 0, or -1 with errno and *kept the lines that stay written */
static int
write_file(int fd, const char *p, size_t n, unsigned long long *kept)
{
    off_t start = lseek(fd, 0, SEEK_END);
    size_t done;
    struct stat st;
    int e;

    *kept = 0;
    if (fileio_write_all(fd, p, n, &done) == 0)
        return 0;
    e = errno;
    if (done > 0 && start >= 0 && fstat(fd, &st) == 0 &&
        S_ISREG(st.st_mode) && ftruncate(fd, start) == 0)
        done = 0;
    *kept = count_lines(p, done);
    errno = e;
    return -1;
}

/* write_syslog - one syslog line per record of the batch */
static void
write_syslog(char *p, size_t n)
{
    char *end = p + n, *nl;

    for (; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            break;
        *nl = '\0';
        syslog(LOG_INFO, "%s", p);
    }
}

/* write_batch - write what the writer took, outside the lock; lines that
 * could not be written are counted as dropped (warned once per failure) */
static void
write_batch(int kind, int fd, char *buf, size_t len)
{
    int rc = 0, e = 0;
    unsigned long long kept = 0;

    if (kind == RECORDLOG_SYSLOG)
        write_syslog(buf, len);
    else if (kind == RECORDLOG_STDERR)
        log_write_raw(buf, len);        /* never inside a log line */
    else if (kind == RECORDLOG_FILE)
        rc = write_file(fd, buf, len, &kept);
    else
        rc = -1, errno = 0;
    e = errno;
    if (rc < 0) {
        __atomic_add_fetch(&rl_written, kept, __ATOMIC_RELAXED);
        __atomic_add_fetch(&rl_dropped, count_lines(buf, len) - kept,
                           __ATOMIC_RELAXED);
        if (!rl_failing && kind != RECORDLOG_OFF)
            log_warn("decision_log: cannot write records: %s (they are "
                     "dropped and counted)", e ? strerror(e) : "closed");
        rl_failing = 1;
        return;
    }
    rl_failing = 0;
    __atomic_add_fetch(&rl_written, count_lines(buf, len), __ATOMIC_RELAXED);
}

/* writer_main - take the whole queue, write it with the lock released,
 * close a file a reopen retired once no batch uses it */
static void *
writer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&rl_lock);
    for (;;) {
        char *buf;
        size_t len;
        int kind, fd;

        while (rl_len == 0 && rl_retired < 0) {
            pthread_cond_broadcast(&rl_idle);
            pthread_cond_wait(&rl_wake, &rl_lock);
        }
        if (rl_retired >= 0 && rl_len == 0) {
            close(rl_retired);
            rl_retired = -1;
            continue;
        }
        buf = rl_queue;
        len = rl_len;
        rl_queue = rl_spare;
        rl_spare = buf;
        rl_len = 0;
        kind = __atomic_load_n(&rl_kind, __ATOMIC_RELAXED);
        fd = rl_fd;
        rl_writing = 1;
        rl_batch_fd = fd;
        pthread_mutex_unlock(&rl_lock);
        write_batch(kind, fd, buf, len);
        pthread_mutex_lock(&rl_lock);
        rl_writing = 0;
        rl_batch_fd = -1;
    }
    return NULL;
}

/* start_writer - the writer thread, once, with every signal blocked */
static int
start_writer(char *err, size_t errlen)
{
    pthread_t t;
    sigset_t all, old;
    int rc;

    if (rl_thread)
        return 0;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&t, NULL, writer_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the decision log writer: %s",
                 strerror(rc));
        return -1;
    }
    pthread_detach(t);
    rl_thread = 1;
    return 0;
}

/* open_file - path opened for appending (created 0640 and, when we
 * create it as root, given to uid:gid so that the user we drop to can
 * write and reopen it); a FIFO is opened without waiting for a reader; -1
 * with why */
static int
open_file(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
    int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    int fd = open(path, flags | O_CREAT | O_EXCL, RECORDLOG_MODE);
    int created = fd >= 0;
    struct stat st;

    if (fd < 0 && errno == EEXIST)
        fd = open(path, flags | O_CREAT, RECORDLOG_MODE);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "%s is a directory", path);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (created && geteuid() == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) &&
        fchown(fd, uid, gid) < 0) {
        snprintf(err, errlen, "%s: cannot give it to the daemon's user: %s",
                 path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* grow_queue - make the queue (and the writer's copy) hold size bytes;
 * with the lock held */
static int
grow_queue(size_t size)
{
    char *q, *s;

    if (size <= rl_cap)
        return 0;
    q = realloc(rl_queue, size);
    if (q == NULL)
        return -1;
    rl_queue = q;
    s = rl_writing ? NULL : realloc(rl_spare, size);
    if (s == NULL) {
        if (!rl_writing)
            return -1;
        return 0;           /* the writer's copy grows next time */
    }
    rl_spare = s;
    rl_cap = size;
    return 0;
}

/* retire - let go of the file fd (with the lock held): closed at once,
 * unless the writer's batch is going to it, which then closes it (the
 * number is never reused under a write) */
static void
retire(int fd)
{
    if (rl_retired >= 0 && !(rl_writing && rl_retired == rl_batch_fd)) {
        close(rl_retired);
        rl_retired = -1;
    }
    if (fd < 0)
        return;
    if (rl_writing && fd == rl_batch_fd)
        rl_retired = fd;
    else
        close(fd);
}

/* drain_for - wait (lock held, at most seconds) until the queued records
 * are written to the sink they were queued for */
static void
drain_for(double seconds)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)(seconds * 1e9);
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (rl_thread && (rl_len > 0 || rl_writing))
        if (pthread_cond_timedwait(&rl_idle, &rl_lock, &until) != 0)
            break;
}

/* recordlog_open - send records to spec (NULL or "" turns them off) with
 * a queue of queue_size bytes; a file replaces the one in use only once
 * it is open.  0, or -1 with why (the sink in use is kept). */
int
recordlog_open(const char *spec, size_t queue_size, uid_t uid, gid_t gid,
               char *err, size_t errlen)
{
    int kind = recordlog_kind_of(spec), fd = -1, old = -1;
    char *path = NULL;

    if (kind == RECORDLOG_FILE) {
        path = strdup(spec);
        if (path == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        fd = open_file(spec, uid, gid, err, errlen);
        if (fd < 0) {
            free(path);
            return -1;
        }
    }
    if (kind == RECORDLOG_SYSLOG)
        openlog("luamilter", LOG_PID | LOG_NDELAY, LOG_MAIL);
    if (kind != RECORDLOG_OFF && start_writer(err, errlen) < 0) {
        if (fd >= 0)
            close(fd);
        free(path);
        return -1;
    }
    pthread_mutex_lock(&rl_lock);
    if (kind != RECORDLOG_OFF && grow_queue(queue_size) < 0) {
        pthread_mutex_unlock(&rl_lock);
        if (fd >= 0)
            close(fd);
        free(path);
        snprintf(err, errlen, "out of memory for the decision log queue");
        return -1;
    }
    drain_for(1.0);             /* records queued go where they were meant */
    old = rl_fd;
    rl_fd = fd;
    retire(old);
    free(rl_path);
    rl_path = path;
    __atomic_store_n(&rl_kind, kind, __ATOMIC_RELEASE);
    pthread_cond_signal(&rl_wake);
    pthread_mutex_unlock(&rl_lock);
    return 0;
}

/* recordlog_reopen - open the file's path again (after logrotate moved
 * it); nothing for stderr and syslog.  0, or -1 with why (the old file is
 * kept) */
int
recordlog_reopen(char *err, size_t errlen)
{
    char *path;
    int rc, fd, old;

    pthread_mutex_lock(&rl_lock);
    path = rl_path != NULL ? strdup(rl_path) : NULL;
    pthread_mutex_unlock(&rl_lock);
    if (path == NULL)
        return 0;
    fd = open_file(path, (uid_t)-1, (gid_t)-1, err, errlen);
    rc = fd < 0 ? -1 : 0;
    if (fd >= 0) {
        pthread_mutex_lock(&rl_lock);
        if (rl_path == NULL || strcmp(rl_path, path) != 0 ||
            __atomic_load_n(&rl_kind, __ATOMIC_RELAXED) != RECORDLOG_FILE) {
            pthread_mutex_unlock(&rl_lock);     /* a reload switched it */
            close(fd);
            free(path);
            return 0;
        }
        old = rl_fd;
        rl_fd = fd;
        retire(old);
        pthread_cond_signal(&rl_wake);
        pthread_mutex_unlock(&rl_lock);
    }
    free(path);
    return rc;
}

/* recordlog_close - stop taking records (queued ones are still written) */
void
recordlog_close(void)
{
    char err[16];

    recordlog_open(NULL, 0, (uid_t)-1, (gid_t)-1, err, sizeof err);
}

/* recordlog_enabled - whether records are taken at all */
int
recordlog_enabled(void)
{
    return __atomic_load_n(&rl_kind, __ATOMIC_ACQUIRE) != RECORDLOG_OFF;
}

/* recordlog_write - queue one record (len bytes, no newline: one is
 * added); 0, or -1 when it was dropped (off, or no room: counted) */
int
recordlog_write(const char *line, size_t len)
{
    if (!recordlog_enabled())
        return -1;
    pthread_mutex_lock(&rl_lock);
    if (rl_cap - rl_len < len + 1) {
        pthread_mutex_unlock(&rl_lock);
        __atomic_add_fetch(&rl_dropped, 1, __ATOMIC_RELAXED);
        return -1;
    }
    if (rl_len == 0)
        pthread_cond_signal(&rl_wake);
    memcpy(rl_queue + rl_len, line, len);
    rl_queue[rl_len + len] = '\n';
    rl_len += len + 1;
    pthread_mutex_unlock(&rl_lock);
    return 0;
}

/* recordlog_dropped - records dropped since the start */
unsigned long long
recordlog_dropped(void)
{
    return __atomic_load_n(&rl_dropped, __ATOMIC_RELAXED);
}

/* recordlog_written - records written since the start */
unsigned long long
recordlog_written(void)
{
    return __atomic_load_n(&rl_written, __ATOMIC_RELAXED);
}

/* recordlog_flush - wait (at most seconds) until every queued record is
 * written */
void
recordlog_flush(double seconds)
{
    pthread_mutex_lock(&rl_lock);
    drain_for(seconds);
    pthread_mutex_unlock(&rl_lock);
}
