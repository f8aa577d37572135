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

#include "module.h"
#include "reply.h"

struct script_chunk {
    char *name;             /* chunk name, "@path" */
    unsigned char *code;    /* bytecode from lua_dump */
    size_t len;
};

/* one of luamilter's own Lua modules, compiled with the generation
 * (libcache.h) */
struct script_module {
    char *path;             /* as package.searchpath finds it */
    struct script_chunk chunk;
};

struct script {
    int refs;               /* atomic reference count */
    unsigned long serial;   /* 1 for the first generation loaded */
    char *path;             /* policy script path */
    char hash[13];          /* short hash of the script source */
    struct script_chunk policy;
    struct script_chunk lib;    /* lua/milter.lua */
    struct script_module *mods; /* lua/milter/NAME.lua, compiled */
    size_t nmods;
    char *package_path;     /* package.path for connection states */
    struct config *cfg;     /* the config it was loaded with (referenced):
                             * on_error, callback_timeout, memory_limit,
                             * lua_allow and every module's keys */
    struct module_env env[MODULE_REPLAY_LIVE_IO + 1];  /* for the modules,
                             * one per mode a state of it may run in */
    void *mod_data[MODULES_MAX];    /* what each module of the registry
                             * keeps for the generation (gen_open) */
    char *test_report;      /* in-policy test results, one per line */
    int tests_run;
};

struct config;

struct script_options {
    const char *path;       /* policy script */
    const char *libdir;     /* directory holding milter.lua */
    struct config *cfg;     /* from config_new; the generation references it */
};

void script_options_init(struct script_options *so, struct config *cfg,
                         const char *path);
struct script *script_compile(const struct script_options *opt, char *err,
                              size_t errlen);
int script_check(struct script *s, char *err, size_t errlen);
struct script *script_load(const struct script_options *opt, char *err,
                           size_t errlen);
void script_ref(struct script *s);
void script_unref(struct script *s);
struct script *script_current(void);
void script_publish(struct script *s);
int script_restore_previous(void);

#endif
