/*
 * decisionlog.c - the daemon's decision_log (see decisionlog.h).
 */
#include "decisionlog.h"
#include "config.h"
#include "log.h"
#include "paths.h"
#include "privs.h"
#include "recordlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* spec_of - decision_log with a file's path made relative to the config
 * file (malloc; NULL when unset or out of memory) */
static char *
spec_of(const struct config *cfg)
{
    if (cfg->decision_log == NULL)
        return NULL;
    if (recordlog_kind_of(cfg->decision_log) != RECORDLOG_FILE)
        return strdup(cfg->decision_log);
    return paths_relative_to(cfg->file, cfg->decision_log);
}

/* open_spec - open cfg's decision_log; 0, or -1 with why in err
 * ("FILE:LINE: decision_log: ...") */
static int
open_spec(const struct config *cfg, char *err, size_t errlen)
{
    char why[1024];
    char *spec = spec_of(cfg);
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    int rc;

    if (cfg->decision_log != NULL && spec == NULL) {
        snprintf(err, errlen, "decision_log: out of memory");
        return -1;
    }
    if (privs_socket_owner(cfg->user, cfg->group, "group", &uid, &gid, why,
                           sizeof why) < 0) {
        uid = (uid_t)-1;
        gid = (gid_t)-1;
    }
    rc = recordlog_open(spec, cfg->decision_log_queue, uid, gid, why,
                        sizeof why);
    if (rc < 0) {
        if (cfg->file != NULL)
            snprintf(err, errlen, "%s:%d: decision_log: %s", cfg->file,
                     config_key_line(cfg, "decision_log"), why);
        else
            snprintf(err, errlen, "decision_log: %s", why);
    } else if (spec != NULL) {
        log_info("decision records go to %s", spec);
    }
    free(spec);
    return rc;
}

/* decisionlog_start - open decision_log at start; -1 stops the daemon */
int
decisionlog_start(const struct config *cfg, char *err, size_t errlen)
{
    if (cfg->decision_log == NULL)
        return 0;
    return open_spec(cfg, err, errlen);
}

/* decisionlog_reload - a SIGHUP's config is in force: switch to its
 * decision_log (the same file is opened again, as logrotate expects); a
 * failure keeps the one in use */
void
decisionlog_reload(const struct config *cfg)
{
    char err[1200];

    if (cfg->decision_log == NULL && !recordlog_enabled())
        return;
    if (open_spec(cfg, err, sizeof err) < 0)
        log_warn("reload: %s; decision records still go where they went",
                 err);
}

/* decisionlog_reopen - SIGUSR1: open the file's path again */
void
decisionlog_reopen(void)
{
    char err[1024];

    if (recordlog_reopen(err, sizeof err) < 0)
        log_warn("SIGUSR1: decision_log: %s; still writing to the file "
                 "opened before", err);
    else if (recordlog_enabled())
        log_notice("SIGUSR1: decision log reopened");
}
