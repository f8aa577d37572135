/*
 * log.c - leveled logging to stderr or syslog (see log.h).
 */
#include "log.h"
#include "fileio.h"

#include <errno.h>
#include <paths.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/*
 * info and debug lines to stderr go through a queue written by a logger
 * thread, so the busy path (the default policy logs every callback) costs a
 * memcpy instead of a write(2) per line; notices, warnings and errors are
 * written at once, after whatever is queued, so nothing important waits.
 */
#define LOG_QUEUE_SIZE (256 * 1024)

static pthread_mutex_t log_qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_qcond = PTHREAD_COND_INITIALIZER;
static pthread_once_t log_qonce = PTHREAD_ONCE_INIT;
static char log_queue[LOG_QUEUE_SIZE];
static size_t log_qlen;
static int log_qthread;         /* the logger thread is running */

static int log_use_syslog;
static __thread time_t stamp_time;
static __thread char stamp[32];
static char log_prefix_pid[32];     /* " luamilter[PID]: ", set up once */
static __thread log_hook_fn log_hook;
static __thread void *log_hook_ud;
static int log_threshold = LOGL_INFO;

static const char *const log_names[] = {
    "error", "warning", "notice", "info", "debug", NULL
};

static const int log_syslog_prio[] = {
    LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG
};

/* log_setup - choose the sink and the most verbose level written */
void
log_setup(int use_syslog, int level)
{
    log_use_syslog = use_syslog;
    log_threshold = level;
    snprintf(log_prefix_pid, sizeof log_prefix_pid, " luamilter[%ld]: ",
             (long)getpid());
    if (use_syslog)
        openlog("luamilter", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_socket_accepts - 0 if a syslog socket at path takes log lines (it
 * connects, as a datagram or a stream socket, as syslog(3) tries);
 * otherwise -1 and why in err */
int
log_socket_accepts(const char *path, char *err, size_t errlen)
{
    static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
    struct sockaddr_un sun;
    size_t i;
    int fd, e = 0;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sun.sun_path) {
        snprintf(err, errlen, "%s: path too long for a socket", path);
        return -1;
    }
    strcpy(sun.sun_path, path);
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            break;
        }
        if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
            close(fd);
            return 0;
        }
        e = errno;
        close(fd);
        if (e != EPROTOTYPE)
            break;
    }
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    return -1;
}

/* log_syslog_check - 0 if syslog(3) has somewhere to send lines; else -1
 * and a warning saying they would be lost */
int
log_syslog_check(char *err, size_t errlen)
{
    char why[256];

    if (log_socket_accepts(_PATH_LOG, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "log = syslog, but no syslog daemon takes lines "
             "(%s): every log line would be lost; start one (rsyslog, or "
             "systemd-journald, which listens on %s) or set log = stderr",
             why, _PATH_LOG);
    return -1;
}

/* log_level_parse - map a level name to its number, -1 if unknown */
int
log_level_parse(const char *name)
{
    int i;

    for (i = 0; log_names[i] != NULL; i++)
        if (strcmp(name, log_names[i]) == 0)
            return i;
    /* syslog's other names and numbers 0-7 are accepted too */
    if (strcmp(name, "err") == 0 || strcmp(name, "crit") == 0 ||
        strcmp(name, "alert") == 0 || strcmp(name, "emerg") == 0)
        return LOGL_ERR;
    if (strcmp(name, "warn") == 0)
        return LOGL_WARN;
    if (name[0] >= '0' && name[0] <= '7' && name[1] == '\0')
        return name[0] <= '3' ? LOGL_ERR : name[0] - '4' + LOGL_WARN;
    return -1;
}

/* log_level_name - the name of a level number */
const char *
log_level_name(int level)
{
    if (level < LOGL_ERR || level > LOGL_DEBUG)
        return "?";
    return log_names[level];
}

/* log_enabled - whether a message at this level would be written */
int
log_enabled(int level)
{
    return log_hook != NULL || level <= log_threshold;
}

/* log_set_hook - send this thread's log lines to fn instead */
void
log_set_hook(log_hook_fn fn, void *ud, log_hook_fn *old_fn, void **old_ud)
{
    if (old_fn != NULL)
        *old_fn = log_hook;
    if (old_ud != NULL)
        *old_ud = log_hook_ud;
    log_hook = fn;
    log_hook_ud = ud;
}

/* log_escape - copy text, escaping control bytes as \xHH */
static size_t
log_escape(char *dst, size_t cap, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    const unsigned char *p;

    for (p = (const unsigned char *)src; *p != '\0' && n + 5 < cap; p++) {
        if (*p < 0x20 && *p != '\t') {
            dst[n++] = '\\';
            dst[n++] = 'x';
            dst[n++] = hex[*p >> 4];
            dst[n++] = hex[*p & 15];
        } else if (*p == 0x7f) {
            memcpy(dst + n, "\\x7f", 4);
            n += 4;
        } else {
            dst[n++] = (char)*p;
        }
    }
    dst[n] = '\0';
    return n;
}

/* write_all - write a buffer to stderr (a failure has nowhere left to
 * be reported) */
static void
write_all(const char *p, size_t n)
{
    (void)fileio_write_all(STDERR_FILENO, p, n, NULL);
}

/* drain_locked - write out the queue (lock held) */
static void
drain_locked(void)
{
    if (log_qlen > 0) {
        write_all(log_queue, log_qlen);
        log_qlen = 0;
    }
}

/* log_write_raw - write bytes to stderr under the logger's lock, so that
 * they never cut into a log line there (the decision records' stderr
 * sink); queued log lines go first */
void
log_write_raw(const char *p, size_t n)
{
    pthread_mutex_lock(&log_qlock);
    drain_locked();
    write_all(p, n);
    pthread_mutex_unlock(&log_qlock);
}

/* logger_main - once lines are queued, give the queue 2 ms to fill up
 * (that is the batching), then write it out */
static void *
logger_main(void *arg)
{
    struct timespec batch = {0, 2 * 1000 * 1000};

    (void)arg;
    pthread_mutex_lock(&log_qlock);
    for (;;) {
        while (log_qlen == 0)
            pthread_cond_wait(&log_qcond, &log_qlock);
        pthread_mutex_unlock(&log_qlock);
        nanosleep(&batch, NULL);
        pthread_mutex_lock(&log_qlock);
        drain_locked();
    }
    return NULL;
}

/* start_logger - start the logger thread once */
static void
start_logger(void)
{
    pthread_t t;
    sigset_t all, old;

    /* the logger must not take signals meant for the signal thread */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    if (pthread_create(&t, NULL, logger_main, NULL) == 0) {
        pthread_detach(t);
        log_qthread = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    atexit(log_flush);
}

/* log_flush - write out every queued line now */
void
log_flush(void)
{
    pthread_mutex_lock(&log_qlock);
    drain_locked();
    pthread_mutex_unlock(&log_qlock);
}

/* emit - queue a line, or write it (and the queue before it) at once */
static void
emit(int level, const char *line, size_t len)
{
    if (level >= LOGL_INFO)
        pthread_once(&log_qonce, start_logger);
    pthread_mutex_lock(&log_qlock);
    if (level >= LOGL_INFO && log_qthread &&
        log_qlen + len <= sizeof log_queue) {
        if (log_qlen == 0)
            pthread_cond_signal(&log_qcond);    /* the logger wakes up */
        memcpy(log_queue + log_qlen, line, len);
        log_qlen += len;
    } else {
        drain_locked();
        write_all(line, len);
    }
    pthread_mutex_unlock(&log_qlock);
}

/* refresh_stamp - this thread's time stamp, one localtime_r per second */
static void
refresh_stamp(void)
{
    struct tm tm;
    time_t now = time(NULL);

    if (now != stamp_time) {
        localtime_r(&now, &tm);
        snprintf(stamp, sizeof stamp, "%04d-%02d-%02d %02d:%02d:%02d",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
        stamp_time = now;
    }
    if (log_prefix_pid[0] == '\0')
        snprintf(log_prefix_pid, sizeof log_prefix_pid, " luamilter[%ld]: ",
                 (long)getpid());
}

/* append_parts - copy NULL-terminated parts into out (cap bytes, one kept
 * for the newline); returns the new length */
static size_t
append_parts(char *out, size_t used, size_t cap, const char *const *parts)
{
    size_t k;

    for (; *parts != NULL; parts++) {
        k = strlen(*parts);
        if (k > cap - 1 - used)
            k = cap - 1 - used;
        memcpy(out + used, *parts, k);
        used += k;
    }
    return used;
}

/*
 * write_lines - write text as log lines: one per line of text, each with
 * the stamp, the level and prefix (if any), control bytes escaped; with
 * split 0 the whole text is one line (newlines escaped too).  For stderr
 * the lines go out in one piece, so no other line falls between them.
 */
static void
write_lines(int level, const char *prefix, char *text, int split)
{
    char out[16384], clean[8192];
    const char *parts[7];
    char *save = NULL, *tok;
    size_t used = 0, mark;

    for (tok = split ? strtok_r(text, "\n", &save) : text; tok != NULL;
         tok = split ? strtok_r(NULL, "\n", &save) : NULL) {
        log_escape(clean, sizeof clean, tok);
        if (log_use_syslog) {
            syslog(log_syslog_prio[level], "%s%s%s", prefix ? prefix : "",
                   prefix ? ": " : "", clean);
            continue;
        }
        refresh_stamp();
        parts[0] = stamp;
        parts[1] = log_prefix_pid;
        parts[2] = log_names[level];
        parts[3] = ": ";
        parts[4] = prefix ? prefix : "";
        parts[5] = prefix ? ": " : "";
        parts[6] = NULL;
        if (used + strlen(clean) + 128 > sizeof out && used > 0) {
            emit(level, out, used);             /* a very long block */
            used = 0;
        }
        mark = append_parts(out, used, sizeof out, parts);
        parts[0] = clean;
        parts[1] = NULL;
        used = append_parts(out, mark, sizeof out, parts);
        out[used++] = '\n';
    }
    if (used > 0)
        emit(level, out, used);
}

/* hook_lines - give the log hook the text, prefix ahead of every line */
static void
hook_lines(int level, const char *prefix, const char *text)
{
    char buf[16384];
    size_t used = 0;
    const char *p = text;

    if (prefix == NULL) {
        log_hook(level, text, log_hook_ud);
        return;
    }
    while (*p != '\0' && used + 1 < sizeof buf) {
        size_t n = strcspn(p, "\n");
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s: %.*s",
                                 used > 0 ? "\n" : "", prefix, (int)n, p);
        if (used >= sizeof buf)
            used = sizeof buf - 1;
        p += n + (p[n] == '\n');
    }
    buf[used] = '\0';
    log_hook(level, buf, log_hook_ud);
}

/* log_block - log text whose every line is about the same thing (an error
 * and its traceback): each line becomes a log line starting "prefix: " */
void
log_block(int level, const char *prefix, const char *text)
{
    char raw[8192];

    if (!log_enabled(level))
        return;
    if (log_hook != NULL) {
        hook_lines(level, prefix, text);
        return;
    }
    snprintf(raw, sizeof raw, "%s", text);
    write_lines(level, prefix, raw, 1);
}

/* log_vmsg - format and write one log line (errors and debug lines keep
 * their line breaks: each line becomes a log line of its own) */
void
log_vmsg(int level, const char *fmt, va_list ap)
{
    char raw[8192];

    if (!log_enabled(level))
        return;
    vsnprintf(raw, sizeof raw, fmt, ap);
    if (log_hook != NULL) {
        log_hook(level, raw, log_hook_ud);
        return;
    }
    write_lines(level, NULL, raw, level == LOGL_ERR || level == LOGL_DEBUG);
}

/* log_msg - printf-style front end of log_vmsg */
void
log_msg(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}
