/*
 * conn.c - creation and release of per-connection state (see conn.h).
 */
#include "conn.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "module.h"
#include "script.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long conn_counter;      /* connections: the MTA's, replay's */
static unsigned long test_counter;      /* the contexts of in-policy tests */
static long conn_live;
static int conn_max;           /* max_connections, 0 = no limit */

/* conn_set_max - refuse connections past this many (0: no limit) */
void
conn_set_max(int max)
{
    conn_max = max;
}

/* conn_new - an MTA's connection on the current generation, with its Lua
 * state; past max_connections it is made overloaded (no state) */
struct conn *
conn_new(const struct mta *mta)
{
    return conn_new_on(NULL, MODULE_LIVE, mta);
}

/* conn_new_on - a connection on generation s (NULL: the current one)
 * serving mode (enum module_mode), its actions going to mta; only live
 * connections count against max_connections, and the contexts of
 * in-policy tests are numbered apart from connections */
struct conn *
conn_new_on(struct script *s, int mode, const struct mta *mta)
{
    struct conn *c = calloc(1, sizeof *c);
    char err[4096];

    if (c == NULL) {
        log_err("out of memory creating a connection");
        return NULL;
    }
    c->lc.id = __atomic_add_fetch(mode == MODULE_TEST ? &test_counter
                                                      : &conn_counter,
                                  1, __ATOMIC_RELAXED);
    c->lc.mta = *mta;
    c->lc.mode = mode;
    if (mode == MODULE_LIVE) {
        if (conn_max > 0 && conn_count() >= conn_max) {
            c->mode = CONN_OVERLOADED;
            log_warn("conn#%lu: refused with 451 4.3.2: max_connections "
                     "(%d) reached", c->lc.id, conn_max);
            return c;
        }
        __atomic_add_fetch(&conn_live, 1, __ATOMIC_RELAXED);
    }
    lstate_watch(&c->lc);
    c->lc.actions = NEGOTIATE_ALL_ACTIONS;
    if (s != NULL)
        script_ref(s);
    c->lc.script = s != NULL ? s : script_current();
    c->on_error = c->lc.script != NULL ? c->lc.script->cfg->on_error
                                       : ONERR_TEMPFAIL;
    if (c->lc.script == NULL) {
        log_err("conn#%lu: no policy script loaded", c->lc.id);
        c->mode = CONN_BROKEN;
        return c;
    }
    if (mode == MODULE_TEST)
        log_debug("conn#%lu: new test connection, script %s version %s",
                  c->lc.id, c->lc.script->path, c->lc.script->hash);
    else
        log_info("conn#%lu: new connection, script %s version %s", c->lc.id,
                 c->lc.script->path, c->lc.script->hash);
    if (engine_open(&c->lc, err, sizeof err) < 0) {
        log_err("conn#%lu: cannot start the policy: %s", c->lc.id, err);
        c->mode = CONN_BROKEN;
    } else {
        log_debug("conn#%lu: Lua state ready, %zu bytes", c->lc.id,
                  c->lc.mem_used);
    }
    return c;
}

/* conn_adopt - bind a caller-owned conn to class cls of state L, its
 * actions going to mta (raises) */
void
conn_adopt(struct conn *c, struct lua_State *L, int cls, int on_error,
           const struct mta *mta)
{
    memset(c, 0, sizeof *c);
    c->lc.id = __atomic_add_fetch(&conn_counter, 1, __ATOMIC_RELAXED);
    c->lc.actions = NEGOTIATE_ALL_ACTIONS;
    c->lc.mta = *mta;
    c->lc.mode = MODULE_REPLAY;
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
    if (c->lc.mode == MODULE_LIVE && c->mode != CONN_OVERLOADED)
        __atomic_sub_fetch(&conn_live, 1, __ATOMIC_RELAXED);
    free(c);
}

/* conn_count - live connections open now */
long
conn_count(void)
{
    return __atomic_load_n(&conn_live, __ATOMIC_RELAXED);
}
