/*
 * module.h - the module pattern: one descriptor per Lua-facing C module.
 *
 * A module is its own .c/.h pair under src/modules/ with one descriptor:
 * its require name, its luaopen function, the lua_allow word a policy needs
 * for it (or none), the stages its calls may run in, its config keys, and
 * its process hooks.  The registry (src/modules/registry.c) lists every
 * module policies may require; the engine preloads them into each state it
 * makes, so `require "milter.NAME"` finds them and nothing else has to
 * change to add one.  See docs/modules.md.
 *
 * A module's open function runs as a package.preload loader with one
 * upvalue, a light userdata pointing to the state's struct module_env:
 * the config snapshot of the script generation (the module finds its own
 * keys there with config_section), the generation, and the mode the state
 * runs in (live traffic, an in-policy test, replay).
 */
#ifndef LUAMILTER_MODULE_H
#define LUAMILTER_MODULE_H

#include <stddef.h>

struct config;
struct config_section;
struct script;
struct lua_State;
struct luaL_Reg;

/* what a state is serving: modules that reach outside the daemon (Redis,
 * DNS) answer from stubs instead of the network in tests and replay */
enum module_mode {
    MODULE_LIVE = 0,        /* a connection from the MTA */
    MODULE_TEST,            /* an in-policy test (-t, before a reload) */
    MODULE_REPLAY,          /* luamilter replay, milter.test */
    MODULE_REPLAY_LIVE_IO   /* replay --live-io: the network is used */
};

struct module_env {
    const struct config *cfg;       /* the generation's config snapshot */
    const struct script *script;    /* the generation (its milter.lua) */
    enum module_mode mode;
};

/*
 * A test run: one milter.test context, one replay, one in-policy test.
 * It holds the clock tests move (t:advance, an `advance` step) and what
 * modules keep for the run instead of the daemon's (fresh shared
 * dictionaries that follow that clock).  Its maker sets it on the states
 * it makes (lconn->run) and frees it after the last of them closes; a
 * live connection has none.  One thread at a time uses a run.
 */
#define MODULE_RUN_SLOTS 8

struct module;

struct module_run {
    double offset;                  /* seconds the run moved time */
    struct module_run_slot {
        const struct module *m;
        void *data;
        void (*fresh)(void *data);
        void (*drop)(void *data);
    } slot[MODULE_RUN_SLOTS];
};

/* descriptor flags */
#define MODULE_POLICY 0x01  /* preloaded into policy states (the registry) */
#define MODULE_TOOL 0x02    /* only for tools (milter.core): never in a
                             * policy's state */
#define MODULE_STUB 0x04    /* answers from a test's stub: the field NAME
                             * of an in-policy test (require name
                             * "milter.NAME") is put in the test state's
                             * registry under "luamilter.stub.NAME" */

/* the registry key of module NAME's stub */
#define MODULE_STUB_PREFIX "luamilter.stub."

struct module {
    const char *name;       /* require name, "milter.NAME" */
    int (*open)(struct lua_State *L);   /* luaopen_*; upvalue 1: env */
    unsigned grant;         /* CONFIG_ALLOW_* a policy needs, 0: none */
    unsigned stages;        /* STAGE_BIT of stages its calls may run in,
                             * 0: any (module_check_stage) */
    unsigned flags;         /* MODULE_* */
    const struct config_section *keys;  /* its config keys, or NULL */
    int section;            /* set by modules_init: its config section id */
    /* process hooks, each may be NULL: start once the config is loaded
     * (before the socket opens and privileges drop), reload after a
     * SIGHUP's config is accepted, stop at exit */
    int (*start)(const struct config *cfg, char *err, size_t errlen);
    int (*reload)(const struct config *old, const struct config *cfg,
                  char *err, size_t errlen);
    void (*stop)(void);
    /* script generation hooks, each may be NULL: gen_open when a
     * generation is compiled (start, -t, SIGHUP, replay), before any state
     * of it runs, *data then being what the module keeps for it
     * (module_gen_data); -1 refuses the generation.  gen_check in the
     * generation's check state once the script returned its class (at
     * index cls), under its protected call; -1 refuses the generation.
     * gen_free when the generation is freed (no state uses it any more) */
    int (*gen_open)(const struct script *s, void **data, char *err,
                    size_t errlen);
    int (*gen_check)(struct lua_State *L, int cls, void *data,
                     const struct script *s, char *err, size_t errlen);
    void (*gen_free)(void *data);
    /* after each stage of a connection (an enum stage), whether or not
     * the policy has a callback for it, with the connection's state L;
     * may not raise or call Lua (NULL: nothing) */
    void (*stage_end)(struct lua_State *L, int stage);
    /* methods added to self next to the built-in actions (self:NAME),
     * NULL-terminated, or NULL */
    const struct luaL_Reg *actions;
};

/* at most this many modules in the registry (their generation data) */
#define MODULES_MAX 16

/* the registry: NULL-terminated, in src/modules/registry.c */
extern struct module *const module_registry[];

int modules_init(char *err, size_t errlen);
int modules_start(const struct config *cfg, char *err, size_t errlen);
int modules_reload(const struct config *old, const struct config *cfg,
                   char *err, size_t errlen);
void modules_stop(void);
void module_preload(struct lua_State *L, const struct module *m,
                    const struct module_env *env, unsigned allow);
void modules_preload(struct lua_State *L, const struct module_env *env,
                     unsigned allow);
const struct module_env *module_env(struct lua_State *L);
void module_check_stage(struct lua_State *L, const struct module *m,
                        int stage);
int modules_gen_open(struct script *s, char *err, size_t errlen);
int modules_gen_check(struct lua_State *L, int cls, const struct script *s,
                      char *err, size_t errlen);
void modules_gen_free(struct script *s);
void *module_gen_data(const struct module_env *env, const struct module *m);
void modules_stage_end(struct lua_State *L, int stage);
void modules_push_actions(struct lua_State *L);
const char *module_stub_name(const struct module *m);
void modules_set_stubs(struct lua_State *L, int idx,
                       struct module *const *list);

struct module_run *module_run_new(void);
void module_run_free(struct module_run *r);
void module_run_fresh(struct module_run *r);
void *module_run_get(const struct module_run *r, const struct module *m);
int module_run_put(struct module_run *r, const struct module *m, void *data,
                   void (*fresh)(void *data), void (*drop)(void *data));
struct module_run *module_run_of(struct lua_State *L);

#endif
