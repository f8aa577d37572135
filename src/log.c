/*
 * log.c - leveled logging to stderr or syslog (see log.h).
 */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static int log_use_syslog;
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
    if (use_syslog)
        openlog("luamilter", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_level_parse - map a level name to its number, -1 if unknown */
int
log_level_parse(const char *name)
{
    int i;

    for (i = 0; log_names[i] != NULL; i++)
        if (strcmp(name, log_names[i]) == 0)
            return i;
    if (strcmp(name, "err") == 0)
        return LOGL_ERR;
    if (strcmp(name, "warn") == 0)
        return LOGL_WARN;
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

/* log_vmsg - format and write one log line */
void
log_vmsg(int level, const char *fmt, va_list ap)
{
    char raw[8192];
    char line[8192 + 128];
    char clean[8192];
    size_t n;
    struct tm tm;
    time_t now;
    int len;

    if (!log_enabled(level))
        return;
    vsnprintf(raw, sizeof raw, fmt, ap);
    if (log_hook != NULL) {
        log_hook(level, raw, log_hook_ud);
        return;
    }
    if (level == LOGL_ERR || level == LOGL_DEBUG) {
        /* tracebacks keep their newlines; each line is escaped alone */
        n = 0;
        {
            char *save = NULL, *tok;
            clean[0] = '\0';
            for (tok = strtok_r(raw, "\n", &save); tok != NULL;
                 tok = strtok_r(NULL, "\n", &save)) {
                if (n > 0 && n + 1 < sizeof clean)
                    clean[n++] = '\n';
                n += log_escape(clean + n, sizeof clean - n, tok);
            }
        }
    } else {
        log_escape(clean, sizeof clean, raw);
    }
    if (log_use_syslog) {
        syslog(log_syslog_prio[level], "%s", clean);
        return;
    }
    now = time(NULL);
    localtime_r(&now, &tm);
    len = snprintf(line, sizeof line,
                   "%04d-%02d-%02d %02d:%02d:%02d luamilter[%ld]: %s: %s\n",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                   tm.tm_min, tm.tm_sec, (long)getpid(), log_names[level],
                   clean);
    if (len < 0)
        return;
    if ((size_t)len >= sizeof line) {
        len = (int)sizeof line - 1;
        line[len - 1] = '\n';
    }
    if (write(STDERR_FILENO, line, (size_t)len) < 0) {
        /* nowhere left to report a failed log write */
    }
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
