/*
 * conn.c - creation and release of per-connection state (see conn.h).
 */
#include "conn.h"
#include "config.h"
#include "decision.h"
#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "module.h"
#include "notes.h"
#include "recordlog.h"
#include "script.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a decision record's size when no script (so no config) is loaded */
#define CONN_DECISION_MAX (64 << 10)

static unsigned long conn_counter;     /* connections (the MTA's, replay's),
                                        * from 1 */
static unsigned long test_counter;     /* test contexts: in-policy tests,
                                        * milter.core's adopted classes */
static long conn_live;                 /* the MTA's connections open now */
static __thread struct module_run *conn_default_run;   /* the test run of
                                 * the conns this thread makes (a reload's
                                 * tests run beside live connections) */

/* conn_set_run - the test run the conns this thread makes from now on
 * are part of (replay's: its clock and dictionaries span its messages; an
 * in-policy test's; milter.test's context's); NULL: none.  A live
 * connection never has one. */
void
conn_set_run(struct module_run *run)
{
    conn_default_run = run;
}

/* conn_new - an MTA's connection on the current generation, with its Lua
 * state, its actions going to mta */
struct conn *
conn_new(const struct mta *mta)
{
    struct conn *c = conn_new_on(NULL, MODULE_LIVE, mta);

    if (c != NULL && recordlog_enabled())
        decision_attach(c, c->lc.script != NULL
                               ? c->lc.script->cfg->decision_log_max
                               : CONN_DECISION_MAX, NULL, NULL);
    return c;
}

/* open_timed - engine_open (the script's top level), timed as the
 * "setup" stage of a live connection, a failure counted by kind */
static int
open_timed(struct conn *c, char *err, size_t errlen)
{
    double t0 = mono_now();
    int rc = engine_open(&c->lc, err, errlen);

    if (c->lc.mode != MODULE_LIVE)
        return rc;
    metrics_observe_stage(ST_NONE, mono_now() - t0);
    if (rc < 0)
        metrics_count_policy_error(ST_NONE, conn_error_kind(c));
    return rc;
}

/* conn_error_kind - how the policy's last failure on c is counted:
 * "timeout", "memory" or "error" */
const char *
conn_error_kind(const struct conn *c)
{
    if (c->lc.overrun)
        return "timeout";
    if (c->lc.mem_error || c->lc.mem_refused)
        return "memory";
    return "error";
}

/* conn_new_on - a connection on generation s (NULL: the current one)
 * serving mode (enum module_mode), its actions going to mta.  Only the
 * MTA's connections are counted as open and in memory_total; the
 * contexts of in-policy tests are numbered apart, so that they do not use
 * up the numbers of live connections in the log */
struct conn *
conn_new_on(struct script *s, int mode, const struct mta *mta)
{
    struct conn *c = calloc(1, sizeof *c);
    char err[4096];
    int rc;

    if (c == NULL) {
        log_err("out of memory creating a connection");
        return NULL;
    }
    c->lc.id = __atomic_add_fetch(mode == MODULE_TEST ? &test_counter
                                                      : &conn_counter,
                                  1, __ATOMIC_RELAXED);
    if (mode == MODULE_LIVE) {
        __atomic_add_fetch(&conn_live, 1, __ATOMIC_RELAXED);
        metrics_count_connection_open();
    }
    lstate_watch(&c->lc);
    c->lc.mta = *mta;
    c->lc.actions = NEGOTIATE_ALL_ACTIONS;
    c->lc.mode = mode;
    c->lc.run = mode != MODULE_LIVE ? conn_default_run : NULL;
    c->lc.mem_in_total = mode != MODULE_TEST;
    if (s != NULL)
        script_ref(s);
    c->lc.script = s != NULL ? s : script_current();
    c->on_error = c->lc.script != NULL ? c->lc.script->cfg->on_error
                                       : ONERR_TEMPFAIL;
    c->on_error_reply = c->lc.script != NULL
                            ? &c->lc.script->cfg->on_error_reply : NULL;
    if (c->lc.script == NULL) {
        log_err("conn#%lu: no policy script loaded", c->lc.id);
        c->mode = CONN_BROKEN;
        c->broken_why = "no policy script is loaded";
        return c;
    }
    rc = open_timed(c, err, sizeof err);
    if (rc < 0) {
        char tag[CONN_TAG_MAX], text[sizeof err + 32];
        snprintf(tag, sizeof tag, "conn#%lu", c->lc.id);
        snprintf(text, sizeof text, "cannot start the policy: %s", err);
        log_block(LOGL_ERR, tag, text);
        c->mode = CONN_BROKEN;
        c->broken_why = rc == ENGINE_NO_STATE
                            ? "the policy could not start: no memory for a "
                              "Lua state"
                            : "the policy could not start: its top level "
                              "failed";
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
           const struct fixed_reply *on_error_reply, const struct mta *mta)
{
    memset(c, 0, sizeof *c);
    c->lc.id = __atomic_add_fetch(&test_counter, 1, __ATOMIC_RELAXED);
    c->lc.actions = NEGOTIATE_ALL_ACTIONS;
    c->lc.mta = *mta;
    c->lc.mode = MODULE_REPLAY;
    c->on_error = on_error;
    c->on_error_reply = on_error_reply;
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
    decision_close(c);
    notes_free(&c->lc);
    if (c->lc.adopted) {
        engine_unbind(&c->lc);
        return;
    }
    lstate_unwatch(&c->lc);
    engine_close(&c->lc);
    script_unref(c->lc.script);
    if (c->lc.mode == MODULE_LIVE) {
        __atomic_sub_fetch(&conn_live, 1, __ATOMIC_RELAXED);
        metrics_count_connection_close();
    }
    free(c);
}

/* conn_count - the MTA's connections open now */
long
conn_count(void)
{
    return __atomic_load_n(&conn_live, __ATOMIC_RELAXED);
}

/* conn_tag - how log lines name c: "conn#N", with the queue id once it
 * is known ("conn#N QUEUEID"); written into buf */
const char *
conn_tag(struct conn *c, char *buf, size_t len)
{
    return lconn_tag(&c->lc, buf, len);
}
