/*
 * shdict_module.c - milter.shared wired into the daemon (shdict_module.h).
 *
 * A live connection's state sees the daemon's set; any other state (an
 * in-policy test, replay, milter.test) sees the set of its test run, made
 * from the same declarations on first use and dropped with the run, so
 * tests never touch the dictionaries that serve mail, and their expiry
 * follows the clock the run moves.
 */
#include "shdict_module.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "shdict_keeper.h"
#include "shdict_lua.h"
#include "shdict_metrics.h"
#include "shdict_set.h"

#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct shdict_conf {
    struct config_list decls;       /* shared_dict lines */
};

static struct shdict_set *daemon_set;
static struct shdict_keeper *keeper;

/* check_decl - one shared_dict value: NAME SIZE */
static int
check_decl(const char *value, char *err, size_t errlen)
{
    char name[SHDICT_NAME_MAX + 1];
    size_t size;

    return shdict_decl_parse(value, name, &size, err, errlen);
}

/* decls_of - the declarations of a config's shared_dict lines (file names
 * them in messages, may be NULL); -1 and the message of the first bad one */
static int
decls_of(const struct config_list *l, const char *file,
         struct shdict_decls *ds, char *err, size_t errlen)
{
    size_t i;

    memset(ds, 0, sizeof *ds);
    for (i = 0; i < l->n; i++) {
        if (shdict_decls_add(ds, l->items[i].value,
                             l->items[i].line > 0 ? file : NULL,
                             l->items[i].line, err, errlen) < 0) {
            shdict_decls_free(ds);
            return -1;
        }
    }
    return 0;
}

static const struct config_key shdict_config_keys[] = {
    {"shared_dict", CT_LIST, offsetof(struct shdict_conf, decls), NULL, 0, 0,
     NULL, CK_RELOAD | CK_UNIQUE, check_decl,
     "a shared dictionary, NAME SIZE (any number of lines)"},
};

static const struct config_section shdict_section = {
    "milter.shared", shdict_config_keys, 1, sizeof(struct shdict_conf),
    NULL
};

/* conf_of - the module's block of cfg */
static const struct shdict_conf *
conf_of(const struct config *cfg)
{
    return config_section(cfg, shdict_module.section);
}

/* set_log - the sets' logger: a line to the daemon's log */
static void
set_log(void *ud, int level, const char *msg)
{
    (void)ud;
    log_msg(level, "%s", msg);
}

/* apply - make set s match cfg's declarations */
static int
apply(struct shdict_set *s, const struct config *cfg, char *err,
      size_t errlen)
{
    const struct shdict_conf *sc = conf_of(cfg);
    struct shdict_decls ds;
    int rc;

    if (sc == NULL)
        return 0;
    if (decls_of(&sc->decls, cfg->file, &ds, err, errlen) < 0)
        return -1;
    rc = shdict_set_apply(s, &ds, err, errlen);
    shdict_decls_free(&ds);
    return rc;
}

/* shdict_start - create the declared dictionaries and the housekeeper */
static int
shdict_start(const struct config *cfg, char *err, size_t errlen)
{
    daemon_set = shdict_set_new(NULL, set_log, NULL);
    if (daemon_set == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (apply(daemon_set, cfg, err, errlen) < 0)
        return -1;
    shdict_metrics_attach(daemon_set);
    keeper = shdict_housekeeper_start(daemon_set, SHDICT_SWEEP_INTERVAL);
    if (keeper == NULL)
        log_warn("shared_dict: cannot start the housekeeping thread; "
                 "expired entries are freed only when written over");
    return 0;
}

/* shdict_reload - create the dictionaries a reload adds; the set logs
 * those it removes or resizes, which take a restart */
static int
shdict_reload(const struct config *old, const struct config *cfg, char *err,
              size_t errlen)
{
    int rc;

    (void)old;
    if (daemon_set == NULL)
        return 0;
    rc = apply(daemon_set, cfg, err, errlen);
    shdict_metrics_attach(daemon_set);      /* the ones it created */
    return rc;
}

/* shdict_stop - stop the housekeeper, free the dictionaries (no state is
 * left that could use them) */
static void
shdict_stop(void)
{
    shdict_housekeeper_stop(keeper);
    keeper = NULL;
    shdict_metrics_detach();
    shdict_set_free(daemon_set);
    daemon_set = NULL;
}

/* shdict_module_daemon_set - the set live connections see (NULL before
 * start) */
struct shdict_set *
shdict_module_daemon_set(void)
{
    return daemon_set;
}

/* run_now - a test run's set's clock: the run's monotonic time */
static double
run_now(void *ud)
{
    return clock_mono(ud);
}

/* empty_set - module_run's fresh of a run's set: every entry goes */
static void
empty_set(void *data)
{
    struct shdict *d;
    size_t i;

    for (i = 0; (d = shdict_set_at(data, i)) != NULL; i++)
        shdict_flush_all(d);
}

/* drop_set - module_run's drop of a run's set */
static void
drop_set(void *data)
{
    shdict_set_free(data);
}

/* run_set - the set of test run r, made from cfg's declarations on first
 * use (raises on failure) */
static struct shdict_set *
run_set(lua_State *L, struct module_run *r, const struct config *cfg)
{
    struct shdict_set *s = module_run_get(r, &shdict_module);
    struct shdict_clock clock = {run_now, r};
    char err[1024] = "too many modules keep data for one test run";

    if (s != NULL)
        return s;
    s = shdict_set_new(&clock, NULL, NULL);     /* quiet: one per run */
    if (s == NULL)
        luaL_error(L, "milter.shared: out of memory");
    if (apply(s, cfg, err, sizeof err) < 0 ||
        module_run_put(r, &shdict_module, s, empty_set, drop_set) < 0) {
        shdict_set_free(s);
        luaL_error(L, "milter.shared: %s", err);
    }
    return s;
}

/* open_shared - require "milter.shared": the daemon's dictionaries for a
 * live connection, its run's for any other state */
static int
open_shared(lua_State *L)
{
    const struct module_env *env = module_env(L);
    struct module_run *r = module_run_of(L);

    if (env->mode == MODULE_LIVE && r == NULL)
        shdict_lua_bind(L, daemon_set);
    else if (r != NULL)
        shdict_lua_bind(L, run_set(L, r, env->cfg));
    else
        shdict_lua_bind(L, NULL);
    return luaopen_milter_shared(L);
}

struct module shdict_module = {
    .name = "milter.shared", .open = open_shared, .flags = MODULE_POLICY,
    .keys = &shdict_section, .start = shdict_start, .reload = shdict_reload,
    .stop = shdict_stop
};
