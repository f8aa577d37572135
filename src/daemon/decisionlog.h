/*
 * decisionlog.h - the daemon's decision_log: opened at start (before the
 * privilege drop, a new file given to the daemon's user), switched or
 * reopened by a SIGHUP that accepts a config, reopened by SIGUSR1.
 */
#ifndef LUAMILTER_DECISIONLOG_H
#define LUAMILTER_DECISIONLOG_H

#include <stddef.h>

struct config;

int decisionlog_start(const struct config *cfg, char *err, size_t errlen);
void decisionlog_reload(const struct config *cfg);
void decisionlog_reopen(void);

#endif
