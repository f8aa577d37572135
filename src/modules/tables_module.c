/*
 * tables_module.c - milter.tables wired into the daemon (tables_module.h):
 * its config keys, the process's registry of loaded tables, each script
 * generation's set of names, the watcher thread.
 *
 * A generation has two sets of names.  The one live connections and
 * replay use is built in two steps: when the generation is compiled, from
 * the config's "table = NAME TYPE:PATH" lines (at start before the
 * privileges drop, so a table only root may read loads; every failure
 * refuses the generation with "FILE:LINE: ..."); then in its check state,
 * from the class's Policy.tables (paths below the script's directory, read
 * as the user the daemon serves as), a config line of the same NAME
 * winning.  The policy's own tests use the other: the class's tables
 * first, then the config's lines for the names the class does not
 * declare, so pointing a name at the admin's file does not make the tests
 * written for the policy's own file fail.  Only once checked does any
 * other state see the sets, which stay as they are while the generation
 * lives.  A file the registry has loaded already is shared (one copy in
 * memory), and read again at once if it changed: a SIGHUP reads the
 * tables again.  Between reloads the watcher thread looks at every file
 * each table_check seconds.
 */
#include "tables_module.h"
#include "budget.h"
#include "config.h"
#include "log.h"
#include "paths.h"
#include "script.h"
#include "tables_lua.h"
#include "tables_metrics.h"

#include <lauxlib.h>
#include <lua.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tables_conf {
    struct config_list tables;      /* table lines */
    int check;                      /* table_check, seconds */
};

/* what a generation keeps: its two sets and what its states are given */
struct tables_gen {
    struct tables_set *set;         /* live and replay: the config wins */
    struct tables_set *test_set;    /* in-policy tests: the class wins */
    struct tables_lua_host host, test_host;
    struct tables_lua_host live_host;   /* host, counted in the metrics */
    char *script_dir;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tables_reg *the_reg;     /* made on first use, never freed
                                        * while a generation may use it */

/* check_line - one table value: NAME TYPE:PATH */
static int
check_line(const char *value, char *err, size_t errlen)
{
    char name[TABLES_NAME_MAX + 1];
    const char *spec;

    return tables_config_line(value, name, sizeof name, &spec, err, errlen);
}

static const struct config_key tables_keys[] = {
    {"table", CT_LIST, offsetof(struct tables_conf, tables), NULL, 0, 0,
     NULL, CK_RELOAD, check_line,
     "a Postfix lookup table, NAME TYPE:PATH (any number of lines)"},
    {"table_check", CT_INT, offsetof(struct tables_conf, check), "10", 0,
     86400, NULL, CK_RELOAD, NULL,
     "seconds between looks at each table file (0: only at SIGHUP)"},
};

static const struct config_section tables_section = {
    "milter.tables", tables_keys, 2, sizeof(struct tables_conf), NULL
};

/* conf_of - the module's block of cfg; no table, the default check when
 * the keys were never registered (a unit test without modules_init) */
static const struct tables_conf *
conf_of(const struct config *cfg)
{
    static const struct tables_conf none = {{0, NULL}, 10};
    const struct tables_conf *c = NULL;

    if (cfg != NULL && tables_module.section > 0)
        c = config_section(cfg, tables_module.section);
    return c != NULL ? c : &none;
}

/* reg_log - the registry's logger: a line to the daemon's log */
static void
reg_log(void *ud, int level, const char *line)
{
    (void)ud;
    if (level == TABLES_LOG_ERR)
        log_err("%s", line);
    else if (level == TABLES_LOG_WARN)
        log_warn("%s", line);
    else
        log_info("%s", line);
}

/* registry - the process's registry of table files, made on first use
 * (NULL when out of memory) */
static struct tables_reg *
registry(void)
{
    struct tables_env env;

    pthread_mutex_lock(&reg_lock);
    if (the_reg == NULL) {
        memset(&env, 0, sizeof env);
        env.log = reg_log;
        env.check_interval = 10;
        env.reread = tables_metrics_reread;
        the_reg = tables_reg_new(&env);
    }
    pthread_mutex_unlock(&reg_lock);
    return the_reg;
}

/* remaining - a state's budget for regexp lookups: what is left of the
 * running callback (no limit outside one) */
static double
remaining(lua_State *L, void *ud)
{
    double left = budget_remaining(L);

    (void)ud;
    return left < 0 ? 1e9 : left;
}

/* gen_free - a generation is gone: its set goes (and with it the tables
 * no other generation names) */
static void
gen_free(void *data)
{
    struct tables_gen *g = data;

    if (g == NULL)
        return;
    tables_set_unref(g->set);
    tables_set_unref(g->test_set);
    free(g->script_dir);
    free(g);
}

/* log_loaded - one info line per table of the set */
static void
log_loaded(const struct tables_set *set)
{
    size_t i;

    for (i = 0; i < tables_set_count(set); i++) {
        struct table *t = tables_set_acquire(set, i, NULL);

        log_info("table %s: %s, %zu rules", tables_set_name(set, i),
                 tables_set_spec(set, i), table_rules(t));
        table_unref(t);
    }
}

/* add_config_lines - the config's table lines into set (flags for
 * tables_set_add); -1 with "FILE:LINE: table: what is wrong" */
static int
add_config_lines(struct tables_set *set, const struct config *cfg,
                 unsigned flags, char *err, size_t errlen)
{
    const struct config_list *l = &conf_of(cfg)->tables;
    char name[TABLES_NAME_MAX + 1], why[1200], *dir;
    const char *spec;
    size_t i;
    int rc = 0;

    dir = paths_dir_of(cfg->file);
    if (dir == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (i = 0; i < l->n && rc == 0; i++) {
        if (tables_config_line(l->items[i].value, name, sizeof name, &spec,
                               why, sizeof why) < 0 ||
            tables_set_add(set, name, spec, dir, flags, why,
                           sizeof why) < 0) {
            snprintf(err, errlen, "%s:%d: table: %s",
                     cfg->file != NULL ? cfg->file : "luamilter",
                     l->items[i].line, why);
            rc = -1;
        }
    }
    free(dir);
    return rc;
}

/* gen_open - a generation's sets, the config's tables loaded into the
 * live one */
static int
gen_open(const struct script *s, void **data, char *err, size_t errlen)
{
    struct tables_reg *reg = registry();
    struct tables_gen *g = calloc(1, sizeof *g);

    if (g == NULL || reg == NULL || (g->set = tables_set_new(reg)) == NULL
        || (g->test_set = tables_set_new(reg)) == NULL
        || (g->script_dir = paths_dir_of(s->path)) == NULL) {
        gen_free(g);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->host.set = g->set;
    g->host.remaining = remaining;
    g->test_host.set = g->test_set;
    g->test_host.remaining = remaining;
    g->live_host = g->host;
    g->live_host.meter = &tables_metrics_meter;
    *data = g;
    return add_config_lines(g->set, s->cfg, TABLES_REREAD, err, errlen);
}

/* gen_check - the class's own tables (Policy.tables) join the live set
 * where the config does not name them, and make the tests' set, which the
 * config completes */
static int
gen_check(lua_State *L, int cls, void *data, const struct script *s,
          char *err, size_t errlen)
{
    struct tables_gen *g = data;
    char why[1200];

    if (g == NULL)
        return 0;
    if (tables_lua_declare(L, cls, g->set, g->script_dir, TABLES_REREAD, why,
                           sizeof why) < 0 ||
        tables_lua_declare(L, cls, g->test_set, g->script_dir, TABLES_REREAD,
                           why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: %s", s->path, why);
        return -1;
    }
    if (add_config_lines(g->test_set, s->cfg, TABLES_KEEP, err, errlen) < 0)
        return -1;
    log_loaded(g->set);
    return 0;
}

/* open_tables - require "milter.tables": the tables of the state's
 * generation (in-policy tests: the class's own) */
static int
open_tables(lua_State *L)
{
    const struct module_env *env = module_env(L);
    struct tables_gen *g = module_gen_data(env, &tables_module);

    if (g == NULL)
        return luaL_error(L, "milter.tables: this state belongs to no "
                          "script generation, so it has no tables");
    tables_lua_sethost(L, env->mode == MODULE_TEST ? &g->test_host
                          : env->mode == MODULE_LIVE ? &g->live_host
                                                     : &g->host);
    return luaopen_milter_tables(L);
}

/* stage_end - a callback is over: the state keeps no table version (an
 * idle connection holds no old version of a big table) */
static void
stage_end(lua_State *L, int stage)
{
    (void)stage;
    tables_lua_idle(L);
}

/* serving - the live set of the generation serving now (for the rules
 * gauge), with a reference on that generation in *ref */
static const struct tables_set *
serving(void *ud, void **ref)
{
    struct script *s = script_current();
    struct tables_gen *g;

    (void)ud;
    *ref = s;
    g = s != NULL ? module_gen_data(&s->env[MODULE_LIVE], &tables_module)
                  : NULL;
    return g != NULL ? g->set : NULL;
}

/* serving_done - drop the reference serving took */
static void
serving_done(void *ref)
{
    script_unref(ref);
}

/* start - the watcher thread, looking at the files every table_check */
static int
start(const struct config *cfg, char *err, size_t errlen)
{
    struct tables_reg *reg = registry();

    tables_metrics_start(serving, serving_done);
    if (reg == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    tables_reg_set_interval(reg, conf_of(cfg)->check);
    return tables_watch_start(reg, err, errlen);
}

/* reload - a new table_check (the tables were read again when the new
 * generation was made) */
static int
reload(const struct config *old, const struct config *cfg, char *err,
       size_t errlen)
{
    (void)old;
    (void)err;
    (void)errlen;
    if (the_reg != NULL)
        tables_reg_set_interval(the_reg, conf_of(cfg)->check);
    return 0;
}

/* stop - the watcher stops (the tables stay while generations hold them) */
static void
stop(void)
{
    if (the_reg != NULL)
        tables_watch_stop(the_reg);
}

struct module tables_module = {
    .name = "milter.tables", .open = open_tables, .flags = MODULE_POLICY,
    .keys = &tables_section, .start = start, .reload = reload, .stop = stop,
    .gen_open = gen_open, .gen_check = gen_check, .gen_free = gen_free,
    .stage_end = stage_end
};
