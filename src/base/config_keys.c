/*
 * config_keys.c - the core's configuration keys: one row per key, with its
 * type, default, bounds or words and whether SIGHUP may change it.  The
 * parser, the defaults, the reload rules and --print-config all read this
 * table; milter.conf.example and luamilter.conf(5) document every row (a
 * spec checks that).
 */
#include "config_keys.h"
#include "sockspec.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *const config_on_error_words[] = {
    "tempfail", "reject", "continue", "accept", NULL
};

const char *const config_allow_words[] = {
    "io", "os", "debug", "load", "cmodules", "syspath", "gc", NULL
};

static const char *const log_words[] = {"stderr", "syslog", NULL};
static const char *const breaker_words[] = {"on_error", "last_good", NULL};

/* check_socket - a socket spec libmilter (or luamilter) can open */
static int
check_socket(const char *v, char *err, size_t errlen)
{
    return sockspec_check(v, NULL, err, errlen);
}

/* check_group_name - a socket_group is not empty */
static int
check_group_name(const char *v, char *err, size_t errlen)
{
    if (v[0] == '\0') {
        snprintf(err, errlen, "empty group name");
        return -1;
    }
    return 0;
}

/* check_script - a script path is not empty */
static int
check_script(const char *v, char *err, size_t errlen)
{
    if (v[0] == '\0') {
        snprintf(err, errlen, "empty script path");
        return -1;
    }
    return 0;
}

/* check_decision_log - a file path (not a directory), stderr or syslog */
static int
check_decision_log(const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v);

    if (n > 0 && v[n - 1] == '/') {
        snprintf(err, errlen, "'%s' names a directory; give a file, stderr "
                 "or syslog", v);
        return -1;
    }
    if (strchr(v, '\n') != NULL) {
        snprintf(err, errlen, "a path with a line break");
        return -1;
    }
    return 0;
}

#define F(name) offsetof(struct config, name)
#define SIZE_1T (1099511627776.0)

/* name, type, offset, default, lo, hi, words, flags, check, help */
static const struct config_key core_keys[] = {
    {"socket", CT_STRING, F(socket), NULL, 0, 0, NULL, 0, check_socket,
     "where the MTA connects (unix:/path, inet:PORT@HOST, inet6:, fd:N)"},
    {"socket_mode", CT_OCTAL, F(socket_mode), "0660", 0, 0777, NULL, 0, NULL,
     "permission bits of a unix socket"},
    {"socket_group", CT_STRING, F(socket_group), NULL, 0, 0, NULL, 0,
     check_group_name, "the group a unix socket is given to"},
    {"script", CT_STRING, F(script), NULL, 0, 0, NULL, CK_RELOAD,
     check_script, "the policy script, relative to this file"},
    {"lua_path", CT_STRING, F(lua_path), NULL, 0, 0, NULL, CK_RELOAD, NULL,
     "extra package.path entries, before luamilter's own"},
    {"on_error", CT_WORD, F(on_error), "tempfail", 0, 0,
     config_on_error_words, CK_RELOAD, NULL,
     "the answer when the policy fails"},
    {"on_error_reply", CT_REPLY, F(on_error_reply), NULL, 0, 0, NULL,
     CK_RELOAD, NULL,
     "CODE [X.Y.Z] TEXT answered when the policy fails (4xx for tempfail, "
     "5xx for reject)"},
    {"timeout", CT_INT, F(timeout), "7210", 1, 86400 * 7, NULL, 0, NULL,
     "seconds libmilter waits for the MTA"},
    {"backlog", CT_INT, F(backlog), NULL, 1, 65535, NULL, 0, NULL,
     "listen(2) backlog (unset: libmilter's default)"},
    {"log", CT_WORD, F(log_syslog), "stderr", 0, 0, log_words, 0, NULL,
     "where log lines go"},
    {"log_level", CT_LEVEL, F(log_level), "info", 0, 0, NULL, CK_RELOAD,
     NULL, "the most verbose level logged"},
    {"pidfile", CT_STRING, F(pidfile), NULL, 0, 0, NULL, CK_EMPTY_UNSETS,
     NULL, "where the process id is written"},
    {"callback_timeout", CT_SECONDS, F(callback_timeout), "10", 0, 3600,
     NULL, CK_RELOAD, NULL, "seconds one callback may run, 0 for no limit"},
    {"memory_limit", CT_SIZE, F(memory_limit), "64M", 64 << 10, SIZE_1T,
     NULL, CK_RELOAD, NULL, "memory of one connection's Lua state, 0: none"},
    {"memory_total", CT_SIZE, F(memory_total), "1G", 64 << 10, SIZE_1T,
     NULL, CK_RELOAD, NULL, "memory of all connections' Lua states, 0: none"},
    {"lua_allow", CT_FLAGS, F(lua_allow), "", 0, 0, config_allow_words,
     CK_RELOAD, NULL, "what the policy gets beyond the sandbox"},
    {"breaker_errors", CT_INT, F(breaker_errors), "0", 0, 1000000, NULL,
     CK_RELOAD, NULL, "policy errors that trip the breaker, 0: off"},
    {"breaker_window", CT_INT, F(breaker_window), "60", 1, 86400, NULL,
     CK_RELOAD, NULL, "seconds over which those errors count"},
    {"breaker_mode", CT_WORD, F(breaker_mode), "on_error", 0, 0,
     breaker_words, CK_RELOAD, NULL, "what a tripped breaker does"},
    {"reload_timeout", CT_SECONDS, F(reload_timeout), "60", 0, 86400, NULL,
     CK_RELOAD | CK_POSITIVE, NULL,
     "seconds a reload (compile, check, tests) may take, then refused"},
    {"shutdown_grace", CT_INT, F(shutdown_grace), "30", 0, 3600, NULL,
     CK_RELOAD, NULL, "seconds SIGTERM waits for open connections"},
    {"max_connections", CT_INT, F(max_connections), "0", 0, 1000000, NULL,
     CK_RELOAD, NULL, "connections served at once, 0 for no limit"},
    {"negotiate_timeout", CT_SECONDS, F(negotiate_timeout), "10", 0, 3600,
     NULL, CK_RELOAD, NULL,
     "seconds a new connection has to negotiate, 0 for no limit"},
    {"decision_log", CT_STRING, F(decision_log), NULL, 0, 0, NULL,
     CK_RELOAD | CK_EMPTY_UNSETS, check_decision_log,
     "one JSON record per message: a file (relative to this file), stderr "
     "or syslog; unset: none"},
    {"decision_log_max", CT_SIZE, F(decision_log_max), "64K", 4 << 10,
     16 << 20, NULL, CK_RELOAD | CK_POSITIVE, NULL,
     "bytes of one decision record, at most (long values are cut)"},
    {"decision_log_queue", CT_SIZE, F(decision_log_queue), "4M", 64 << 10,
     1 << 30, NULL, CK_RELOAD | CK_POSITIVE, NULL,
     "bytes of decision records waiting to be written; past it they are "
     "dropped and counted"},
    {"user", CT_STRING, F(user), NULL, 0, 0, NULL, CK_EMPTY_UNSETS, NULL,
     "the user to run as after opening the socket"},
    {"group", CT_STRING, F(group), NULL, 0, 0, NULL, CK_EMPTY_UNSETS, NULL,
     "the group to run as"},
    {"allow_root", CT_BOOL, F(allow_root), "no", 0, 0, NULL, CK_RELOAD, NULL,
     "keep running as root when no user is set"},
};

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

/* check_core - the core's checks across keys */
static int
check_core(const struct config *cfg, char *err, size_t errlen,
           const char **key)
{
    if (cfg->decision_log_max > cfg->decision_log_queue) {
        *key = "decision_log_max";
        snprintf(err, errlen, "decision_log_max (%zu bytes) is larger than "
                 "decision_log_queue (%zu): every record that big would be "
                 "dropped", (size_t)cfg->decision_log_max,
                 (size_t)cfg->decision_log_queue);
        return -1;
    }
    *key = "on_error_reply";
    return config_check_on_error_reply(cfg->on_error, &cfg->on_error_reply,
                                       err, errlen);
}

const struct config_section config_core_section = {
    "core", core_keys, sizeof core_keys / sizeof core_keys[0], 0, check_core
};
