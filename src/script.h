/*
 * script.h - compiled policy generations.
 *
 * A generation is one version of the policy script, compiled once to
 * bytecode together with the milter library, checked, and shared read-only
 * by every connection that starts while it is current.  Connections hold a
 * reference; SIGHUP publishes a new generation and the last connection on an
 * old one frees it.
 */
#ifndef LUAMILTER_SCRIPT_H
#define LUAMILTER_SCRIPT_H

#include <stddef.h>

#include "reply.h"

struct script_chunk {
    char *name;             /* chunk name, "@path" */
    unsigned char *code;    /* bytecode from lua_dump */
    size_t len;
};

struct script {
    int refs;               /* atomic reference count */
    unsigned long serial;   /* 1 for the first generation loaded */
    char *path;             /* policy script path */
    char hash[13];          /* short hash of the script source */
    struct script_chunk policy;
    struct script_chunk lib;    /* lua/milter.lua */
    char *package_path;     /* package.path for connection states */
    int on_error;           /* enum on_error */
    struct fixed_reply on_error_reply;  /* rcode "" = the default */
    double callback_timeout;    /* seconds, 0 = none */
    size_t memory_limit;        /* bytes per state, 0 = none */
    unsigned lua_allow;         /* CONFIG_ALLOW_* */
    char *test_report;      /* in-policy test results, one per line */
    int tests_run, tests_failed;
};

struct script_options {
    const char *path;       /* policy script */
    const char *libdir;     /* directory holding milter.lua */
    const char *lua_path;   /* admin's extra package.path, may be NULL */
    int on_error;
    const struct fixed_reply *on_error_reply;   /* NULL = the default */
    double callback_timeout;
    size_t memory_limit;
    unsigned lua_allow;
};

struct config;

void script_options_init(struct script_options *so, const struct config *cfg,
                         const char *path);
struct script *script_load(const struct script_options *opt, char *err,
                           size_t errlen);
void script_ref(struct script *s);
void script_unref(struct script *s);
struct script *script_current(void);
void script_publish(struct script *s);
int script_restore_previous(void);

#endif
