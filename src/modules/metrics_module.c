/*
 * metrics_module.c - the milter.metrics module: its config keys, its
 * process hooks (the HTTP listener and the metrics file start before the
 * privilege drop and stop at exit) and its Lua functions.
 *
 *   local metrics = require "milter.metrics"
 *   metrics.declare(Policy)        -- check and register Policy.metrics
 *   metrics.metric(self, name, value [, labels])   -- what self:metric does
 */
#include "metrics.h"
#include "metrics_file.h"
#include "metrics_http.h"
#include "metrics_listen.h"
#include "metrics_pages.h"
#include "metrics_policy.h"
#include "metrics_registry.h"
#include "config.h"
#include "paths.h"
#include "script.h"

#include <grp.h>
#include <lauxlib.h>
#include <lua.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metrics_conf {
    char *http_listen;          /* NULL: no listener */
    int max_series;
    char *file;                 /* NULL: no metrics file */
    double file_interval;
};

/* check_http_listen - an http_listen value the listener can use */
static int
check_http_listen(const char *v, char *err, size_t errlen)
{
    struct http_addr a;

    return metrics_listen_parse(v, &a, err, errlen);
}

#define F(name) offsetof(struct metrics_conf, name)

/* name, type, offset, default, lo, hi, words, flags, check, help */
static const struct config_key metrics_keys[] = {
    {"http_listen", CT_STRING, F(http_listen), NULL, 0, 0, NULL,
     CK_EMPTY_UNSETS, check_http_listen,
     "where /metrics, /healthz, /status, /connections are served "
     "(ADDRESS:PORT, [ADDRESS]:PORT, unix:/path); unset: nowhere"},
    {"metrics_max_series", CT_INT, F(max_series), "10000", 1, 1000000, NULL,
     CK_RELOAD, NULL, "series of the policy's metrics, in all"},
    {"metrics_file", CT_STRING, F(file), NULL, 0, 0, NULL,
     CK_EMPTY_UNSETS | CK_RELOAD, NULL,
     "a file the metrics are written to (node-exporter's textfile "
     "collector), relative to this file; unset: none"},
    {"metrics_file_interval", CT_SECONDS, F(file_interval), "15", 0.1, 86400,
     NULL, CK_RELOAD | CK_POSITIVE, NULL,
     "seconds between two writes of metrics_file"},
};

static const struct config_section metrics_section = {
    "milter.metrics", metrics_keys, sizeof metrics_keys / sizeof metrics_keys[0],
    sizeof(struct metrics_conf), NULL
};

/* conf_of - this module's block of cfg */
static const struct metrics_conf *
conf_of(const struct config *cfg)
{
    return config_section(cfg, metrics_module.section);
}

/* where_key - "FILE:LINE: " of key in cfg, or "" */
static void
where_key(const struct config *cfg, const char *key, char *out, size_t len)
{
    int line = config_key_line(cfg, key);

    if (cfg->file != NULL && line > 0)
        snprintf(out, len, "%s:%d: ", cfg->file, line);
    else
        out[0] = '\0';
}

/* owner_ids - the uid and gid the daemon drops to (-1: unchanged) */
static void
owner_ids(const struct config *cfg, uid_t *uid, gid_t *gid)
{
    struct passwd *pw = cfg->user != NULL ? getpwnam(cfg->user) : NULL;
    struct group *gr = cfg->group != NULL ? getgrnam(cfg->group) : NULL;

    *uid = pw != NULL ? pw->pw_uid : (uid_t)-1;
    *gid = gr != NULL ? gr->gr_gid : pw != NULL ? pw->pw_gid : (gid_t)-1;
}

/* start_file - the metrics file writer for mc; -1 with err */
static int
start_file(const struct config *cfg, const struct metrics_conf *mc,
           char *err, size_t errlen)
{
    char where[4200], why[4400];
    char *path = paths_relative_to(cfg->file, mc->file);
    int rc = 0;

    if (path == NULL || metrics_file_check(path, why, sizeof why) < 0 ||
        metrics_file_start(path, mc->file_interval, why, sizeof why) < 0) {
        if (path == NULL)
            snprintf(why, sizeof why, "out of memory");
        where_key(cfg, "metrics_file", where, sizeof where);
        snprintf(err, errlen, "%s%s", where, why);
        rc = -1;
    }
    free(path);
    return rc;
}

/* metrics_start - before the privilege drop: the listener, the file */
static int
metrics_start(const struct config *cfg, char *err, size_t errlen)
{
    const struct metrics_conf *mc = conf_of(cfg);
    char where[4200], why[1024];
    uid_t uid;
    gid_t gid;

    metrics_registry_set_max(mc->max_series);
    metrics_mark_start();
    if (mc->http_listen != NULL) {
        owner_ids(cfg, &uid, &gid);
        if (metrics_http_start(mc->http_listen, uid, gid, why,
                               sizeof why) < 0) {
            where_key(cfg, "http_listen", where, sizeof where);
            snprintf(err, errlen, "%shttp_listen = %s: %s", where,
                     mc->http_listen, why);
            return -1;
        }
    }
    if (mc->file != NULL && start_file(cfg, mc, err, errlen) < 0) {
        metrics_http_stop();
        return -1;
    }
    return 0;
}

/* metrics_reload - the reloadable keys: the series cap, the file */
static int
metrics_reload(const struct config *old, const struct config *cfg,
               char *err, size_t errlen)
{
    const struct metrics_conf *mc = conf_of(cfg);

    (void)old;
    metrics_registry_set_max(mc->max_series);
    if (mc->file == NULL) {
        metrics_file_stop();
        return 0;
    }
    return start_file(cfg, mc, err, errlen);
}

/* metrics_stop - at exit */
static void
metrics_stop(void)
{
    metrics_http_stop();
    metrics_file_stop();
}

/* l_declare - metrics.declare(class): check and register class.metrics */
static int
l_declare(lua_State *L)
{
    const struct module_env *env = lua_touserdata(L, lua_upvalueindex(1));
    char err[1024];

    luaL_checktype(L, 1, LUA_TTABLE);
    if (metrics_policy_declare(L, 1, (int)env->mode,
                               env->script != NULL ? env->script->hash : "",
                               err, sizeof err) < 0)
        return luaL_error(L, "%s", err);
    return 0;
}

/* open_metrics - require "milter.metrics" */
static int
open_metrics(lua_State *L)
{
    const struct module_env *env = module_env(L);

    lua_createtable(L, 0, 2);
    lua_pushlightuserdata(L, (void *)env);
    lua_pushcclosure(L, l_declare, 1);
    lua_setfield(L, -2, "declare");
    lua_pushlightuserdata(L, (void *)env);
    lua_pushcclosure(L, metrics_lua_metric, 1);
    lua_setfield(L, -2, "metric");
    return 1;
}

/* the policy's self:metric(name, value [, labels]) */
static const luaL_Reg metrics_actions[] = {
    {"metric", metrics_lua_metric},
    {NULL, NULL}
};

struct module metrics_module = {
    .name = "milter.metrics", .open = open_metrics, .flags = MODULE_POLICY,
    .keys = &metrics_section, .start = metrics_start,
    .reload = metrics_reload, .stop = metrics_stop,
    .gen_check = metrics_gen_check, .actions = metrics_actions
};
