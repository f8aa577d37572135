/*
 * module.c - the module registry at work: config keys, process hooks and
 * preloading into Lua states (see module.h).
 */
#include "module.h"
#include "config.h"
#include "lconn.h"
#include "script.h"
#include "stage.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* modules_init - register every module's config keys (once, before the
 * first config is made) */
int
modules_init(char *err, size_t errlen)
{
    static int done;
    struct module *const *m;

    if (done)
        return 0;
    for (m = module_registry; *m != NULL; m++) {
        (*m)->section = 0;
        if ((*m)->keys == NULL)
            continue;
        (*m)->section = config_add_section((*m)->keys);
        if ((*m)->section < 0) {
            snprintf(err, errlen, "module %s: its config keys clash with "
                     "another module's, or too many modules", (*m)->name);
            return -1;
        }
    }
    done = 1;
    return 0;
}

/* modules_start - each module's start hook; the first failure stops */
int
modules_start(const struct config *cfg, char *err, size_t errlen)
{
    struct module *const *m;
    char sub[1024];

    for (m = module_registry; *m != NULL; m++) {
        if ((*m)->start != NULL && (*m)->start(cfg, sub, sizeof sub) < 0) {
            snprintf(err, errlen, "%s: %s", (*m)->name, sub);
            return -1;
        }
    }
    return 0;
}

/* modules_reload - each module's reload hook for an accepted config */
int
modules_reload(const struct config *old, const struct config *cfg,
               char *err, size_t errlen)
{
    struct module *const *m;
    char sub[1024];
    int rc = 0;

    for (m = module_registry; *m != NULL; m++) {
        if ((*m)->reload != NULL &&
            (*m)->reload(old, cfg, sub, sizeof sub) < 0 && rc == 0) {
            snprintf(err, errlen, "%s: %s", (*m)->name, sub);
            rc = -1;
        }
    }
    return rc;
}

/* modules_stop - each module's stop hook, last registered first */
void
modules_stop(void)
{
    struct module *const *m = module_registry;

    while (*m != NULL)
        m++;
    while (m-- != module_registry)
        if ((*m)->stop != NULL)
            (*m)->stop();
}

/* needs_grant - loader of a module the config did not grant: raises,
 * naming the lua_allow word */
static int
needs_grant(lua_State *L)
{
    return luaL_error(L, "module '%s' needs 'lua_allow = %s' in the config",
                      lua_tostring(L, lua_upvalueindex(1)),
                      lua_tostring(L, lua_upvalueindex(2)));
}

/* module_preload - make require(m->name) open m in L with env */
void
module_preload(lua_State *L, const struct module *m,
               const struct module_env *env, unsigned allow)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    if ((m->grant & ~allow) != 0) {
        lua_pushstring(L, m->name);
        lua_pushstring(L, config_allow_name(m->grant & ~allow));
        lua_pushcclosure(L, needs_grant, 2);
    } else {
        lua_pushlightuserdata(L, (void *)env);
        lua_pushcclosure(L, m->open, 1);
    }
    lua_setfield(L, -2, m->name);
    lua_pop(L, 1);
}

/* modules_preload - every policy module of the registry into L */
void
modules_preload(lua_State *L, const struct module_env *env, unsigned allow)
{
    struct module *const *m;

    for (m = module_registry; *m != NULL; m++)
        if ((*m)->flags & MODULE_POLICY)
            module_preload(L, *m, env, allow);
}

/* module_env - inside a module's open function: the state's env */
const struct module_env *
module_env(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* module_check_stage - raise unless m may be called at stage (an enum
 * stage; ST_NONE, outside callbacks, is the top level of the script) */
void
module_check_stage(lua_State *L, const struct module *m, int stage)
{
    if (m->stages == 0 || (stage > ST_NONE && (m->stages &
                                               STAGE_BIT(stage))))
        return;
    luaL_error(L, "%s: not available %s%s", m->name,
               stage > ST_NONE ? "in " : "at the script's top level",
               stage > ST_NONE ? stage_name((enum stage)stage) : "");
}

/* module_run_new - a test run at the real time, holding nothing; NULL
 * when out of memory */
struct module_run *
module_run_new(void)
{
    return calloc(1, sizeof(struct module_run));
}

/* module_run_free - drop what the modules kept for r, then r (after the
 * last state of the run is closed) */
void
module_run_free(struct module_run *r)
{
    int i;

    if (r == NULL)
        return;
    for (i = MODULE_RUN_SLOTS - 1; i >= 0; i--)
        if (r->slot[i].m != NULL && r->slot[i].drop != NULL)
            r->slot[i].drop(r->slot[i].data);
    free(r);
}

/* module_run_fresh - make what the modules keep for r as new (a set of
 * dictionaries empties; states of the run may still hold it); the clock
 * stays */
void
module_run_fresh(struct module_run *r)
{
    int i;

    for (i = 0; r != NULL && i < MODULE_RUN_SLOTS; i++)
        if (r->slot[i].m != NULL && r->slot[i].fresh != NULL)
            r->slot[i].fresh(r->slot[i].data);
}

/* module_run_get - what m keeps for run r, NULL if nothing yet */
void *
module_run_get(const struct module_run *r, const struct module *m)
{
    int i;

    for (i = 0; r != NULL && i < MODULE_RUN_SLOTS; i++)
        if (r->slot[i].m == m)
            return r->slot[i].data;
    return NULL;
}

/* module_run_put - keep data for m in r: fresh makes it as new
 * (module_run_fresh), drop frees it with r; -1 if r is full */
int
module_run_put(struct module_run *r, const struct module *m, void *data,
               void (*fresh)(void *data), void (*drop)(void *data))
{
    int i;

    for (i = 0; i < MODULE_RUN_SLOTS; i++) {
        if (r->slot[i].m == NULL) {
            r->slot[i].m = m;
            r->slot[i].data = data;
            r->slot[i].fresh = fresh;
            r->slot[i].drop = drop;
            return 0;
        }
    }
    return -1;
}

/* module_run_of - the test run of the state L (or a coroutine of it) is
 * part of; NULL for a live connection's state */
struct module_run *
module_run_of(lua_State *L)
{
    struct lconn *c = lstate_owner(L);

    return c != NULL ? c->run : NULL;
}

/* registry_slot - m's place in the registry (its generation data slot),
 * or -1 for a module the registry does not list */
static int
registry_slot(const struct module *m)
{
    int i;

    for (i = 0; module_registry[i] != NULL && i < MODULES_MAX; i++)
        if (module_registry[i] == m)
            return i;
    return -1;
}

/* modules_gen_open - each module's gen_open for the new generation s;
 * the first failure stops (what the others kept goes with s) */
int
modules_gen_open(struct script *s, char *err, size_t errlen)
{
    int i;

    for (i = 0; module_registry[i] != NULL && i < MODULES_MAX; i++) {
        const struct module *m = module_registry[i];

        if (m->gen_open != NULL &&
            m->gen_open(s, &s->mod_data[i], err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* modules_gen_check - each module's gen_check in s's check state L, the
 * class at cls; the first failure stops, its message in err */
int
modules_gen_check(lua_State *L, int cls, const struct script *s, char *err,
                  size_t errlen)
{
    int i;

    cls = lua_absindex(L, cls);
    for (i = 0; module_registry[i] != NULL && i < MODULES_MAX; i++) {
        const struct module *m = module_registry[i];

        if (m->gen_check != NULL &&
            m->gen_check(L, cls, s->mod_data[i], s, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* modules_gen_free - each module lets go of what it kept for s */
void
modules_gen_free(struct script *s)
{
    int i;

    for (i = 0; module_registry[i] != NULL && i < MODULES_MAX; i++) {
        const struct module *m = module_registry[i];

        if (m->gen_free != NULL && s->mod_data[i] != NULL)
            m->gen_free(s->mod_data[i]);
        s->mod_data[i] = NULL;
    }
}

/* module_gen_data - what m keeps for the generation of env (NULL: none,
 * or a state outside any generation) */
void *
module_gen_data(const struct module_env *env, const struct module *m)
{
    int i = registry_slot(m);

    if (env == NULL || env->script == NULL || i < 0)
        return NULL;
    return env->script->mod_data[i];
}

/* modules_stage_end - each module's stage_end hook: stage of the
 * connection whose state is L is over */
void
modules_stage_end(lua_State *L, int stage)
{
    struct module *const *m;

    for (m = module_registry; *m != NULL; m++)
        if ((*m)->stage_end != NULL)
            (*m)->stage_end(L, stage);
}

/* modules_push_actions - add every module's actions to the table on top */
void
modules_push_actions(lua_State *L)
{
    struct module *const *m;

    for (m = module_registry; *m != NULL; m++)
        if ((*m)->actions != NULL)
            luaL_setfuncs(L, (*m)->actions, 0);
}

/* module_stub_name - NAME for a module answering from stubs (MODULE_STUB,
 * require name "milter.NAME"), else NULL */
const char *
module_stub_name(const struct module *m)
{
    static const char prefix[] = "milter.";

    if ((m->flags & MODULE_STUB) == 0 ||
        strncmp(m->name, prefix, sizeof prefix - 1) != 0)
        return NULL;
    return m->name + sizeof prefix - 1;
}

/* modules_set_stubs - for each module of list answering from stubs, NAME
 * its module_stub_name: registry["luamilter.stub.NAME"] = t.NAME of the
 * table at idx, read raw (nil clears it) */
void
modules_set_stubs(lua_State *L, int idx, struct module *const *list)
{
    struct module *const *m;
    const char *name;

    idx = lua_absindex(L, idx);
    for (m = list; *m != NULL; m++) {
        if ((name = module_stub_name(*m)) == NULL)
            continue;
        lua_pushstring(L, name);
        lua_rawget(L, idx);
        lua_pushfstring(L, "%s%s", MODULE_STUB_PREFIX, name);
        lua_insert(L, -2);
        lua_rawset(L, LUA_REGISTRYINDEX);
    }
}
