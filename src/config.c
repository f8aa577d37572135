/*
 * config.c - parser for the luamilter configuration file (see config.h).
 */
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "sockspec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const on_error_names[] = {
    "tempfail", "reject", "continue", "accept", NULL
};

typedef int (*config_setter)(struct config *, const char *, char *, size_t);

/* replace_str - store a copy of value in *slot, freeing the old one */
static int
replace_str(char **slot, const char *value, char *err, size_t errlen)
{
    char *copy = strdup(value);

    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

/* parse_int - a decimal integer within [lo, hi] */
static int
parse_int(const char *v, long lo, long hi, long *out, char *err, size_t errlen)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (v[0] == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi) {
        snprintf(err, errlen, "'%s' is not a whole number from %ld to %ld",
                 v, lo, hi);
        return -1;
    }
    *out = n;
    return 0;
}

/* set_socket - the libmilter socket spec */
static int
set_socket(struct config *c, const char *v, char *err, size_t errlen)
{
    if (sockspec_check(v, NULL, err, errlen) < 0)
        return -1;
    return replace_str(&c->socket, v, err, errlen);
}

/* set_socket_mode - octal permission bits for a unix socket */
static int
set_socket_mode(struct config *c, const char *v, char *err, size_t errlen)
{
    char *end;
    long n;

    n = strtol(v, &end, 8);
    if (v[0] == '\0' || *end != '\0' || n < 0 || n > 0777 ||
        strspn(v, "01234567") != strlen(v)) {
        snprintf(err, errlen, "'%s' is not an octal mode from 0 to 0777", v);
        return -1;
    }
    c->socket_mode = (int)n;
    return 0;
}

/* set_script - the policy script path */
static int
set_script(struct config *c, const char *v, char *err, size_t errlen)
{
    if (v[0] == '\0') {
        snprintf(err, errlen, "empty script path");
        return -1;
    }
    return replace_str(&c->script, v, err, errlen);
}

/* set_lua_path - extra package.path entries */
static int
set_lua_path(struct config *c, const char *v, char *err, size_t errlen)
{
    return replace_str(&c->lua_path, v, err, errlen);
}

/* set_on_error - the verdict used when the policy fails */
static int
set_on_error(struct config *c, const char *v, char *err, size_t errlen)
{
    int i;

    for (i = 0; on_error_names[i] != NULL; i++) {
        if (strcasecmp(v, on_error_names[i]) == 0) {
            c->on_error = i;
            return 0;
        }
    }
    snprintf(err, errlen,
             "'%s' is not one of tempfail, reject, continue, accept", v);
    return -1;
}

/* set_on_error_reply - "CODE [X.Y.Z] TEXT" answered when the policy fails
 * (its class is checked against on_error once the file is read) */
static int
set_on_error_reply(struct config *c, const char *v, char *err, size_t errlen)
{
    struct fixed_reply r;

    if (reply_parse(v, &r, err, errlen) < 0)
        return -1;
    c->on_error_reply = r;
    c->on_error_reply_line = c->lineno;
    return 0;
}

/* config_check_on_error_reply - an on_error_reply (r) fits on_error: a
 * 4xx for tempfail, a 5xx for reject, none for the verdicts that send no
 * reply; an unset one (rcode "") always fits */
int
config_check_on_error_reply(int on_error, const struct fixed_reply *r,
                            char *err, size_t errlen)
{
    char want;

    if (r->rcode[0] == '\0')
        return 0;
    if (on_error != ONERR_TEMPFAIL && on_error != ONERR_REJECT) {
        snprintf(err, errlen, "on_error_reply: on_error = %s sends no reply; "
                 "on_error_reply needs on_error = tempfail or reject",
                 config_on_error_name(on_error));
        return -1;
    }
    want = on_error == ONERR_TEMPFAIL ? '4' : '5';
    if (r->rcode[0] != want) {
        snprintf(err, errlen, "on_error_reply: %s is a %cxx reply, but "
                 "on_error = %s answers with a %cxx one", r->rcode,
                 r->rcode[0], config_on_error_name(on_error), want);
        return -1;
    }
    return 0;
}

/* set_timeout - MTA I/O timeout in seconds */
static int
set_timeout(struct config *c, const char *v, char *err, size_t errlen)
{
    long n;

    if (parse_int(v, 1, 86400 * 7, &n, err, errlen) < 0)
        return -1;
    c->timeout = (int)n;
    return 0;
}

/* set_backlog - listen(2) backlog */
static int
set_backlog(struct config *c, const char *v, char *err, size_t errlen)
{
    long n;

    if (parse_int(v, 1, 65535, &n, err, errlen) < 0)
        return -1;
    c->backlog = (int)n;
    return 0;
}

/* set_log - where log lines go */
static int
set_log(struct config *c, const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "stderr") == 0)
        c->log_syslog = 0;
    else if (strcmp(v, "syslog") == 0)
        c->log_syslog = 1;
    else {
        snprintf(err, errlen, "'%s' is not one of stderr, syslog", v);
        return -1;
    }
    return 0;
}

/* set_log_level - the most verbose level logged */
static int
set_log_level(struct config *c, const char *v, char *err, size_t errlen)
{
    int level = log_level_parse(v);

    if (level < 0) {
        snprintf(err, errlen,
                 "'%s' is not one of error, warning, notice, info, debug", v);
        return -1;
    }
    c->log_level = level;
    return 0;
}

/* set_pidfile - where the process id is written */
static int
set_pidfile(struct config *c, const char *v, char *err, size_t errlen)
{
    if (v[0] == '\0') {
        free(c->pidfile);
        c->pidfile = NULL;
        return 0;
    }
    return replace_str(&c->pidfile, v, err, errlen);
}

/* set_callback_timeout - seconds (decimals allowed, optional "s" or "ms"
 * suffix), 0 turns it off */
static int
set_callback_timeout(struct config *c, const char *v, char *err, size_t errlen)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (strcmp(end, "ms") == 0)
        d /= 1000, end += 2;
    else if (*end == 's')
        end++;
    if (v[0] == '\0' || *end != '\0' || errno != 0 || !(d >= 0) || d > 3600) {
        snprintf(err, errlen, "'%s' is not a number of seconds from 0 to 3600 "
                 "(decimals allowed, e.g. 10 or 0.5)", v);
        return -1;
    }
    c->callback_timeout = d;
    return 0;
}

/* size_suffix - the multiplier of K, M or G (KB, KiB, ... too); 0 if the
 * text is not one, 1 if it is empty or "B" */
static unsigned long long
size_suffix(const char *s)
{
    static const char units[] = "KMG";
    const char *u;

    while (*s == ' ')
        s++;
    if (*s == '\0' || strcmp(s, "B") == 0 || strcmp(s, "b") == 0)
        return 1;
    u = strchr(units, toupper((unsigned char)*s));
    if (u == NULL)
        return 0;
    s++;
    if (*s == 'i')
        s++;
    if (*s == 'B' || *s == 'b')
        s++;
    return *s == '\0' ? 1ULL << (10 * (u - units + 1)) : 0;
}

/* set_memory_limit - bytes with an optional K, M or G suffix; 0 = none */
static int
set_memory_limit(struct config *c, const char *v, char *err, size_t errlen)
{
    char *end;
    unsigned long long n, mult;

    errno = 0;
    n = strtoull(v, &end, 10);
    mult = end != v ? size_suffix(end) : 0;
    if (v[0] == '-' || mult == 0 || errno != 0 || n > (1ULL << 40) / mult ||
        (n != 0 && n * mult < (64ULL << 10))) {
        snprintf(err, errlen, "'%s' is not a size from 64K to 1T (bytes, or "
                 "with a K, M or G suffix), or 0 for no limit", v);
        return -1;
    }
    c->memory_limit = (size_t)(n * mult);
    return 0;
}

static const char *const allow_names[] = {
    "io", "os", "debug", "load", "cmodules", "syspath", "gc", NULL
};

/* config_allow_name - the lua_allow word of a CONFIG_ALLOW_* bit */
const char *
config_allow_name(unsigned bit)
{
    int i;

    for (i = 0; allow_names[i] != NULL; i++)
        if (bit == 1u << i)
            return allow_names[i];
    return "?";
}

/* set_lua_allow - libraries granted beyond the sandbox, comma/space list */
static int
set_lua_allow(struct config *c, const char *v, char *err, size_t errlen)
{
    char buf[512], *tok, *save = NULL;
    unsigned bits = 0;
    int i;

    snprintf(buf, sizeof buf, "%s", v);
    for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
         tok = strtok_r(NULL, ", \t", &save)) {
        for (i = 0; allow_names[i] != NULL; i++)
            if (strcmp(tok, allow_names[i]) == 0)
                break;
        if (allow_names[i] == NULL) {
            snprintf(err, errlen, "'%s' is not one of io, os, debug, load, "
                     "cmodules, syspath, gc", tok);
            return -1;
        }
        bits |= 1u << i;
    }
    c->lua_allow = bits;
    return 0;
}

/* set_breaker_errors - script errors that trip the circuit breaker */
static int
set_breaker_errors(struct config *c, const char *v, char *err, size_t errlen)
{
    long n;

    if (parse_int(v, 0, 1000000, &n, err, errlen) < 0)
        return -1;
    c->breaker_errors = (int)n;
    return 0;
}

/* set_breaker_window - seconds over which errors are counted */
static int
set_breaker_window(struct config *c, const char *v, char *err, size_t errlen)
{
    long n;

    if (parse_int(v, 1, 86400, &n, err, errlen) < 0)
        return -1;
    c->breaker_window = (int)n;
    return 0;
}

/* set_breaker_mode - what a tripped breaker does */
static int
set_breaker_mode(struct config *c, const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "on_error") == 0)
        c->breaker_mode = BREAKER_ON_ERROR;
    else if (strcmp(v, "last_good") == 0)
        c->breaker_mode = BREAKER_LAST_GOOD;
    else {
        snprintf(err, errlen, "'%s' is not one of on_error, last_good", v);
        return -1;
    }
    return 0;
}

/* set_shutdown_grace - seconds SIGTERM waits for open connections */
static int
set_shutdown_grace(struct config *c, const char *v, char *err, size_t errlen)
{
    long n;

    if (parse_int(v, 0, 3600, &n, err, errlen) < 0)
        return -1;
    c->shutdown_grace = (int)n;
    return 0;
}

/* set_max_connections - open connections served at once, 0 = no limit */
static int
set_max_connections(struct config *c, const char *v, char *err, size_t errlen)
{
    long n;

    if (parse_int(v, 0, 1000000, &n, err, errlen) < 0)
        return -1;
    c->max_connections = (int)n;
    return 0;
}

/* set_user - the user to run as after opening the socket */
static int
set_user(struct config *c, const char *v, char *err, size_t errlen)
{
    return replace_str(&c->user, v, err, errlen);
}

/* set_group - the group to run as and to give the socket to */
static int
set_group(struct config *c, const char *v, char *err, size_t errlen)
{
    return replace_str(&c->group, v, err, errlen);
}

/* set_allow_root - yes lets luamilter keep running as root (true, on and
 * 1 are yes too; false, off and 0 are no; any case) */
static int
set_allow_root(struct config *c, const char *v, char *err, size_t errlen)
{
    static const char *const yes[] = {"yes", "true", "on", "1", NULL};
    static const char *const no[] = {"no", "false", "off", "0", NULL};
    int i;

    for (i = 0; yes[i] != NULL; i++)
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            c->allow_root = strcasecmp(v, yes[i]) == 0;
            return 0;
        }
    snprintf(err, errlen, "'%s' is not yes or no", v);
    return -1;
}

static const struct {
    const char *key;
    config_setter set;
} config_keys[] = {
    {"allow_root", set_allow_root},
    {"breaker_errors", set_breaker_errors},
    {"breaker_mode", set_breaker_mode},
    {"breaker_window", set_breaker_window},
    {"callback_timeout", set_callback_timeout},
    {"group", set_group},
    {"lua_allow", set_lua_allow},
    {"max_connections", set_max_connections},
    {"memory_limit", set_memory_limit},
    {"shutdown_grace", set_shutdown_grace},
    {"user", set_user},
    {"backlog", set_backlog},
    {"log", set_log},
    {"log_level", set_log_level},
    {"lua_path", set_lua_path},
    {"on_error", set_on_error},
    {"on_error_reply", set_on_error_reply},
    {"pidfile", set_pidfile},
    {"script", set_script},
    {"socket", set_socket},
    {"socket_mode", set_socket_mode},
    {"timeout", set_timeout},
    {NULL, NULL}
};

/* config_init - fill in the defaults */
void
config_init(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->socket_mode = 0666;
    cfg->on_error = ONERR_TEMPFAIL;
    cfg->timeout = CONFIG_DEFAULT_TIMEOUT;
    cfg->log_level = LOGL_INFO;
    cfg->callback_timeout = 10;
    cfg->memory_limit = CONFIG_DEFAULT_MEMORY_LIMIT;
    cfg->breaker_errors = 0;
    cfg->breaker_window = 60;
    cfg->breaker_mode = BREAKER_ON_ERROR;
    cfg->shutdown_grace = 30;
}

/* config_free - release the strings a config owns */
void
config_free(struct config *cfg)
{
    free(cfg->file);
    free(cfg->socket);
    free(cfg->script);
    free(cfg->lua_path);
    free(cfg->pidfile);
    free(cfg->user);
    free(cfg->group);
    memset(cfg, 0, sizeof *cfg);
}

/* config_on_error_name - the config word for an on_error value */
const char *
config_on_error_name(int on_error)
{
    if (on_error < 0 || on_error > ONERR_ACCEPT)
        return "?";
    return on_error_names[on_error];
}

/* config_set - apply one key = value; -1 and a message if invalid */
int
config_set(struct config *cfg, const char *key, const char *value, char *err,
           size_t errlen)
{
    char sub[512];
    int i;

    for (i = 0; config_keys[i].key != NULL; i++) {
        if (strcmp(key, config_keys[i].key) == 0) {
            if (config_keys[i].set(cfg, value, sub, sizeof sub) < 0) {
                snprintf(err, errlen, "%s: %s", key, sub);
                return -1;
            }
            return 0;
        }
    }
    snprintf(err, errlen, "unknown key '%s'", key);
    return -1;
}

/* trim - strip white space at both ends, in place */
static char *
trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* strip_comment - cut a '#' comment that follows white space */
static void
strip_comment(char *s)
{
    int quoted = 0;
    char *p;

    for (p = s; *p != '\0'; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '#' && !quoted && (p == s || isspace((unsigned char)p[-1]))) {
            *p = '\0';
            return;
        }
    }
}

/* parse_line - one line: blank, comment, or key = value */
static int
parse_line(struct config *cfg, char *line, char *err, size_t errlen)
{
    char *eq, *key, *value;
    size_t vlen;

    strip_comment(line);
    line = trim(line);
    if (*line == '\0')
        return 0;
    eq = strchr(line, '=');
    if (eq == NULL) {
        snprintf(err, errlen, "expected 'key = value', got '%.80s'", line);
        return -1;
    }
    *eq = '\0';
    key = trim(line);
    value = trim(eq + 1);
    if (*key == '\0') {
        snprintf(err, errlen, "missing key before '='");
        return -1;
    }
    vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = '\0';
        value++;
    } else if (strchr(value, '"') != NULL) {
        snprintf(err, errlen, "%s: unbalanced '\"' in value", key);
        return -1;
    }
    return config_set(cfg, key, value, err, errlen);
}

/* config_parse - parse a whole file's text; name is used in messages */
int
config_parse(struct config *cfg, const char *name, const char *text,
             char *err, size_t errlen)
{
    const char *p = text;
    int lineno = 0;
    char sub[600];

    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        char line[4096];

        lineno++;
        if (len >= sizeof line) {
            snprintf(err, errlen, "%s:%d: line longer than %zu bytes", name,
                     lineno, sizeof line - 1);
            return -1;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        cfg->lineno = lineno;
        if (parse_line(cfg, line, sub, sizeof sub) < 0) {
            snprintf(err, errlen, "%s:%d: %s", name, lineno, sub);
            cfg->lineno = 0;
            return -1;
        }
        p += len + (nl != NULL);
    }
    cfg->lineno = 0;
    if (config_check_on_error_reply(cfg->on_error, &cfg->on_error_reply, sub,
                                    sizeof sub) < 0) {
        snprintf(err, errlen, "%s:%d: %s", name, cfg->on_error_reply_line,
                 sub);
        return -1;
    }
    return 0;
}

/* config_load - read and parse a file, remembering its path */
int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *text = fileio_read(path, 1u << 20, &len, err, errlen);
    int rc;

    if (text == NULL)
        return -1;
    if (strlen(text) != len) {
        free(text);
        snprintf(err, errlen, "%s: contains a NUL byte", path);
        return -1;
    }
    rc = config_parse(cfg, path, text, err, errlen);
    free(text);
    if (rc == 0 && replace_str(&cfg->file, path, err, errlen) < 0)
        rc = -1;
    return rc;
}
