/*
 * recordlog.h - where decision records go: a file (append mode), stderr
 * or syslog, through a queue that a writer thread of its own empties.
 *
 * A caller (a callback) only copies its line into the queue under a short
 * lock: the writer takes the whole queue and writes it with the lock
 * released, so a slow disk, a full pipe or a stuck syslog never holds a
 * callback.  When the queue has no room the line is dropped and counted
 * (recordlog_dropped), rather than mail waiting.  The file is opened with
 * O_APPEND|O_CREAT (mode 0640) and can be reopened (logrotate: SIGUSR1,
 * SIGHUP); a reopen that fails keeps the old file and says why.
 */
#ifndef LUAMILTER_RECORDLOG_H
#define LUAMILTER_RECORDLOG_H

#include <stddef.h>
#include <sys/types.h>

/* a sink spec: what decision_log names */
enum recordlog_kind {
    RECORDLOG_OFF = 0,
    RECORDLOG_FILE,
    RECORDLOG_STDERR,
    RECORDLOG_SYSLOG
};

int recordlog_kind_of(const char *spec);
int recordlog_open(const char *spec, size_t queue_size, uid_t uid, gid_t gid,
                   char *err, size_t errlen);
int recordlog_reopen(char *err, size_t errlen);
void recordlog_close(void);
int recordlog_enabled(void);
int recordlog_write(const char *line, size_t len);
unsigned long long recordlog_dropped(void);
unsigned long long recordlog_written(void);
void recordlog_flush(double seconds);

#endif
