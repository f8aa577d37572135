/*
 * log.h - leveled logging to stderr or syslog.
 *
 * One line per call, written with a single write(2) so lines from worker
 * threads never interleave.  Control bytes in messages are escaped, so a
 * header value cannot forge log lines.  An error's traceback becomes one
 * log line per line, each with the stamp and (log_block) the same prefix,
 * so that grep on a connection or queue id finds all of it.
 */
#ifndef LUAMILTER_LOG_H
#define LUAMILTER_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
    LOGL_ERR = 0,
    LOGL_WARN,
    LOGL_NOTICE,
    LOGL_INFO,
    LOGL_DEBUG
};

#if defined(__GNUC__)
#define LM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LM_PRINTF(f, a)
#endif

void log_setup(int use_syslog, int level);
int log_socket_accepts(const char *path, char *err, size_t errlen);
int log_syslog_check(char *err, size_t errlen);
int log_level_parse(const char *name);
const char *log_level_name(int level);
int log_enabled(int level);
void log_msg(int level, const char *fmt, ...) LM_PRINTF(2, 3);
void log_vmsg(int level, const char *fmt, va_list ap);
void log_block(int level, const char *prefix, const char *text);
void log_flush(void);
void log_write_raw(const char *p, size_t n);

/* a per-thread receiver of log lines (replaces writing them), or NULL */
typedef void (*log_hook_fn)(int level, const char *line, void *ud);
void log_set_hook(log_hook_fn fn, void *ud, log_hook_fn *old_fn,
                  void **old_ud);

#define log_err(...) log_msg(LOGL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOGL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOGL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)

#endif
