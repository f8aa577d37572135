/*
 * config.h - the luamilter configuration file.
 *
 * Format: "key = value" lines, '#' starts a comment (at line start, or after
 * white space).  Values may be wrapped in double quotes.  An unknown key, a
 * key given twice or a bad value is an error reported as
 * "FILE:LINE: what is wrong".
 *
 * Every key is declared once, in a table of struct config_key: its name,
 * type, default, bounds or words, whether SIGHUP may change it, and the
 * module that owns it.  Parsing, defaults, the reload rules, -t and
 * --print-config all come from those tables.  The core's keys fill struct
 * config's fields; a module's keys fill its own block (config_section),
 * after the module registered its table (config_add_section) before the
 * first config is made.
 *
 * A loaded config is an immutable snapshot with a reference count: each
 * script generation holds the one it was loaded with, so a module's keys
 * reach every connection without copies.
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

#define CONFIG_SECTIONS_MAX 16

/* a key that may be given on any number of lines (e.g. shared_dict) */
struct config_list {
    size_t n;
    struct config_item {
        char *value;
        int line;           /* where it was given (0: not from a file) */
    } *items;
};

struct config {
    int refs;           /* atomic; 0 for a config on the caller's stack */
    char *file;         /* path of the file read, NULL if none */
    char *socket;       /* libmilter socket spec */
    int socket_mode;    /* permission bits of a unix socket */
    char *socket_group; /* group a unix socket is given to, may be NULL */
    char *script;       /* policy script path */
    char *lua_path;     /* prepended to package.path, may be NULL */
    int on_error;       /* enum on_error */
    struct fixed_reply on_error_reply;  /* rcode "" = the default */
    int timeout;        /* smfi_settimeout seconds */
    int backlog;        /* listen backlog, 0 = libmilter default */
    int log_syslog;     /* 1 = syslog, 0 = stderr */
    int log_level;      /* enum log_level */
    char *pidfile;      /* may be NULL */
    double callback_timeout;    /* seconds a callback may run, 0 = no limit */
    size_t memory_limit;        /* bytes per connection state, 0 = none */
    size_t memory_total;        /* bytes of all of them, 0 = none */
    unsigned lua_allow;         /* CONFIG_ALLOW_* granted to scripts */
    int breaker_errors;         /* errors that trip the breaker, 0 = off */
    int breaker_window;         /* ... within this many seconds */
    int breaker_mode;           /* enum breaker_mode */
    int shutdown_grace;         /* seconds SIGTERM waits for connections */
    double reload_timeout;      /* seconds a reload may take, then refused */
    int max_connections;        /* 0 = no limit */
    double negotiate_timeout;   /* seconds to negotiate, 0 = no limit */
    char *decision_log;         /* PATH, "stderr", "syslog"; NULL: off */
    size_t decision_log_max;    /* bytes of one decision record, at most */
    size_t decision_log_queue;  /* bytes of records waiting to be written */
    char *user, *group;         /* privileges to drop to */
    int allow_root;
    void *section[CONFIG_SECTIONS_MAX];     /* modules' blocks */
    int *lines;         /* per key of every section: the line it was set
                         * on, 0 if not set; for duplicates and messages */
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
#define CONFIG_DEFAULT_SOCKET_MODE 0660
#define CONFIG_DEFAULT_TIMEOUT 7210
#define CONFIG_DEFAULT_MEMORY_LIMIT (64u << 20)

/* the type of a key's value, and so how it is parsed and printed */
enum config_type {
    CT_STRING,      /* char *: any text; CK_NONEMPTY refuses "" */
    CT_INT,         /* int: a whole number from lo to hi */
    CT_OCTAL,       /* int: an octal mode from lo to hi */
    CT_SECONDS,     /* double: seconds, decimals, "s"/"ms" suffix */
    CT_SIZE,        /* size_t: bytes with K/M/G; 0 means none */
    CT_WORD,        /* int: the index of one of words (any case) */
    CT_FLAGS,       /* unsigned: a bit per word of a comma/space list */
    CT_BOOL,        /* int: yes/no, true/false, on/off, 1/0 (any case) */
    CT_LEVEL,       /* int: a log level (log_level_parse) */
    CT_REPLY,       /* struct fixed_reply: "CODE [X.Y.Z] TEXT" */
    CT_LIST         /* struct config_list: every line of the key */
};

/* config_key flags */
#define CK_RELOAD 0x01      /* SIGHUP may change it (else: next restart) */
#define CK_NONEMPTY 0x02    /* a string that may not be empty */
#define CK_EMPTY_UNSETS 0x04    /* an empty string means unset (NULL) */
#define CK_POSITIVE 0x08    /* seconds, sizes: 0 is not allowed */
#define CK_SECRET 0x10      /* a string holding a password: wiped when
                             * freed */
#define CK_UNIQUE 0x20      /* a list whose items start with a name that
                             * may be given once (shared_dict NAME SIZE) */

struct config_key {
    const char *name;
    enum config_type type;
    size_t offset;          /* of the value in its section's block */
    const char *def;        /* default as written in a file; NULL: unset */
    double lo, hi;          /* bounds of numbers, seconds and sizes */
    const char *const *words;   /* CT_WORD, CT_FLAGS */
    unsigned flags;         /* CK_* */
    int (*check)(const char *value, char *err, size_t errlen);
    const char *help;       /* one line for --print-config */
};

/* a table of keys and the block its values live in */
struct config_section {
    const char *owner;      /* "core" or the module's name */
    const struct config_key *keys;
    size_t nkeys;
    size_t size;            /* of the block; 0 for the core (struct config) */
    /* checks across keys once a whole file is read (may be NULL): -1
     * with the message, and in *key the key whose line it names */
    int (*check)(const struct config *cfg, char *err, size_t errlen,
                 const char **key);
};

int config_add_section(const struct config_section *sec);
void *config_section(const struct config *cfg, int id);
size_t config_nsections(void);
const struct config_section *config_section_at(size_t i);

void config_init(struct config *cfg);
void config_free(struct config *cfg);
struct config *config_new(void);
void config_ref(struct config *cfg);
void config_unref(struct config *cfg);
int config_parse(struct config *cfg, const char *name, const char *text,
                 char *err, size_t errlen);
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
int config_set(struct config *cfg, const char *key, const char *value,
               char *err, size_t errlen);
const char *config_on_error_name(int on_error);
const char *config_allow_name(unsigned bit);
int config_check_on_error_reply(int on_error, const struct fixed_reply *r,
                                char *err, size_t errlen);

/* config_format - the value of key in cfg as written in a file */
int config_format(const struct config *cfg, const struct config_section *sec,
                  const struct config_key *k, char *out, size_t outlen);
int config_print(const struct config *cfg, int (*put)(const char *line,
                                                       void *ud), void *ud);

/* config_keep_restart_only - give nc the running value (from old) of
 * every key SIGHUP may not change that nc changes, calling note(key) for
 * each; returns how many */
int config_keep_restart_only(struct config *nc, const struct config *old,
                             void (*note)(const char *key));
int config_key_line(const struct config *cfg, const char *key);

#endif
