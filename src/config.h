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

#include "reply.h"

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
    struct fixed_reply on_error_reply;  /* rcode "" = the default */
    int on_error_reply_line;    /* where it was set, for the class check */
    int lineno;         /* the line being parsed, 0 outside a file */
    int timeout;        /* smfi_settimeout seconds */
    int backlog;        /* listen backlog, 0 = libmilter default */
    int log_syslog;     /* 1 = syslog, 0 = stderr */
    int log_level;      /* enum log_level */
    char *pidfile;      /* may be NULL */
    double callback_timeout;    /* seconds a callback may run, 0 = no limit */
    size_t memory_limit;        /* bytes per connection state, 0 = none */
    unsigned lua_allow;         /* CONFIG_ALLOW_* granted to scripts */
    int breaker_errors;         /* errors that trip the breaker, 0 = off */
    int breaker_window;         /* ... within this many seconds */
    int breaker_mode;           /* enum breaker_mode */
    int shutdown_grace;         /* seconds SIGTERM waits for connections */
    int max_connections;        /* 0 = no limit */
    char *user, *group;         /* privileges to drop to */
    int allow_root;
};

/* what lua_allow may grant beyond the default sandbox */
#define CONFIG_ALLOW_IO 0x01        /* the io library */
#define CONFIG_ALLOW_OS 0x02        /* the whole os library */
#define CONFIG_ALLOW_DEBUG 0x04     /* the debug library */
#define CONFIG_ALLOW_LOAD 0x08      /* dofile, loadfile, binary chunks */
#define CONFIG_ALLOW_CMODULES 0x10  /* C modules (package.cpath) */
#define CONFIG_ALLOW_SYSPATH 0x20   /* system Lua module directories */
#define CONFIG_ALLOW_GC 0x40        /* __gc metamethods (finalizers) */

enum breaker_mode {
    BREAKER_ON_ERROR = 0,   /* answer on_error without running the script */
    BREAKER_LAST_GOOD       /* go back to the last script that ran clean */
};

#define CONFIG_DEFAULT_SOCKET "unix:/run/luamilter/luamilter.sock"
#define CONFIG_DEFAULT_TIMEOUT 7210
#define CONFIG_DEFAULT_MEMORY_LIMIT (64u << 20)

void config_init(struct config *cfg);
void config_free(struct config *cfg);
int config_parse(struct config *cfg, const char *name, const char *text,
                 char *err, size_t errlen);
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
int config_set(struct config *cfg, const char *key, const char *value,
               char *err, size_t errlen);
const char *config_on_error_name(int on_error);
int config_check_on_error_reply(int on_error, const struct fixed_reply *r,
                                char *err, size_t errlen);
const char *config_allow_name(unsigned bit);

#endif
