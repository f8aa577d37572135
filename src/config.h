/*
 * config.h - the luamilter configuration file.
 *
 * Format: "key = value" lines, '#' starts a comment (at line start, or after
 * white space).  Values may be wrapped in double quotes.  An unknown key or a
 * bad value is an error reported as "FILE:LINE: what is wrong".
 */
#ifndef LUAMILTER_CONFIG_H
#define LUAMILTER_CONFIG_H

#include <stddef.h>

enum on_error {
    ONERR_TEMPFAIL = 0,
    ONERR_REJECT,
    ONERR_CONTINUE,
    ONERR_ACCEPT
};

struct config {
    char *file;         /* path of the file read, NULL if none */
    char *socket;       /* libmilter socket spec */
    int socket_mode;    /* permission bits of a unix socket */
    char *script;       /* policy script path */
    char *lua_path;     /* prepended to package.path, may be NULL */
    int on_error;       /* enum on_error */
    int timeout;        /* smfi_settimeout seconds */
    int backlog;        /* listen backlog, 0 = libmilter default */
    int log_syslog;     /* 1 = syslog, 0 = stderr */
    int log_level;      /* enum log_level */
    char *pidfile;      /* may be NULL */
};

#define CONFIG_DEFAULT_SOCKET "unix:/run/luamilter/luamilter.sock"
#define CONFIG_DEFAULT_TIMEOUT 7210

void config_init(struct config *cfg);
void config_free(struct config *cfg);
int config_parse(struct config *cfg, const char *name, const char *text,
                 char *err, size_t errlen);
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
int config_set(struct config *cfg, const char *key, const char *value,
               char *err, size_t errlen);
const char *config_on_error_name(int on_error);

#endif
