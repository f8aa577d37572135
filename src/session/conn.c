/*
 * conn.c - creation and release of per-connection state (see conn.h).
 */
#include "conn.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "mta.h"
#include "script.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long conn_counter;
static int conn_default_mode;  /* enum module_mode of new conns */
static struct module_run *conn_default_run;    /* ... and their test run */
static long conn_live;
/* conn_set_mode - what new conns' states serve (enum module_mode): replay
 * sets MODULE_REPLAY for its whole process */
void
conn_set_mode(int mode)
{
    conn_default_mode = mode;
}

/* conn_set_run - the test run new conns' states are part of (replay's:
 * its clock and dictionaries span all its messages); NULL: none */
void
conn_set_run(struct module_run *run)
{
    conn_default_run = run;
}

/* conn_new - a connection on the current generation, with its Lua state */
struct conn *
conn_new(void)
{
    return conn_new_on(NULL);
}

/* conn_new_on - a connection on generation s (NULL: the current one) */
struct conn *
conn_new_on(struct script *s)
{
    struct conn *c = calloc(1, sizeof *c);
    char err[4096];

    if (c == NULL) {
        log_err("out of memory creating a connection");
        return NULL;
    }
    c->lc.id = __atomic_add_fetch(&conn_counter, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&conn_live, 1, __ATOMIC_RELAXED);
    lstate_watch(&c->lc);
    c->lc.actions = NEGOTIATE_ALL_ACTIONS;
    c->lc.mode = conn_default_mode;
    c->lc.run = conn_default_run;
    c->lc.mem_in_total = 1;
    if (s != NULL)
        script_ref(s);
    c->lc.script = s != NULL ? s : script_current();
    c->on_error = c->lc.script != NULL ? c->lc.script->cfg->on_error : ONERR_TEMPFAIL;
    if (c->lc.script == NULL) {
        log_err("conn#%lu: no policy script loaded", c->lc.id);
        c->mode = CONN_BROKEN;
        return c;
    }
    log_info("conn#%lu: new connection, script %s version %s", c->lc.id,
             c->lc.script->path, c->lc.script->hash);
    if (engine_open(&c->lc, err, sizeof err) < 0) {
        log_err("conn#%lu: cannot start the policy: %s", c->lc.id, err);
        c->mode = CONN_BROKEN;
    } else {
        log_debug("conn#%lu: Lua state ready, %zu bytes", c->lc.id, c->lc.mem_used);
    }
    return c;
}

/* conn_adopt - bind a caller-owned conn to class cls of state L (raises) */
void
conn_adopt(struct conn *c, struct lua_State *L, int cls, int on_error)
{
    memset(c, 0, sizeof *c);
    c->lc.id = __atomic_add_fetch(&conn_counter, 1, __ATOMIC_RELAXED);
    c->lc.actions = NEGOTIATE_ALL_ACTIONS;
    c->on_error = on_error;
    c->lc.adopted = 1;
    c->lc.L = L;
    engine_bind(L, &c->lc, cls);
}

/* conn_free - close the Lua state and drop the generation */
void
conn_free(struct conn *c)
{
    if (c == NULL)
        return;
    if (c->lc.adopted) {
        engine_unbind(&c->lc);
        return;
    }
    lstate_unwatch(&c->lc);
    engine_close(&c->lc);
    script_unref(c->lc.script);
    __atomic_sub_fetch(&conn_live, 1, __ATOMIC_RELAXED);
    free(c);
}

/* conn_count - connections open now */
long
conn_count(void)
{
    return __atomic_load_n(&conn_live, __ATOMIC_RELAXED);
}
