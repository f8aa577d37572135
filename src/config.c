/*
 * config.c - parser for the luamilter configuration file (see config.h).
 */
#include "config.h"
#include "log.h"
#include "sockspec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        if (strcmp(v, on_error_names[i]) == 0) {
            c->on_error = i;
            return 0;
        }
    }
    snprintf(err, errlen,
             "'%s' is not one of tempfail, reject, continue, accept", v);
    return -1;
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

static const struct {
    const char *key;
    config_setter set;
} config_keys[] = {
    {"backlog", set_backlog},
    {"log", set_log},
    {"log_level", set_log_level},
    {"lua_path", set_lua_path},
    {"on_error", set_on_error},
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
        if (parse_line(cfg, line, sub, sizeof sub) < 0) {
            snprintf(err, errlen, "%s:%d: %s", name, lineno, sub);
            return -1;
        }
        p += len + (nl != NULL);
    }
    return 0;
}

/* config_load - read and parse a file, remembering its path */
int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f;
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    int rc;

    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (cap - len < 4096) {
            char *bigger;
            if (cap > (1u << 20)) {
                fclose(f);
                free(text);
                snprintf(err, errlen, "%s: larger than 1 MiB", path);
                return -1;
            }
            cap = cap ? cap * 2 : 8192;
            bigger = realloc(text, cap + 1);
            if (bigger == NULL) {
                fclose(f);
                free(text);
                snprintf(err, errlen, "%s: out of memory", path);
                return -1;
            }
            text = bigger;
        }
        n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    text[len] = '\0';
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
