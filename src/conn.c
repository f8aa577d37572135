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

static unsigned long conn_counter;     /* live connections, from 1 */
static unsigned long adopted_counter;  /* test contexts (milter.core) */
static long conn_live;
static int conn_max;           /* max_connections, 0 = no limit */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *registry;  /* live conns, for the watchdog */

/* registry_add - list c among the live conns (once per connection) */
static void
registry_add(struct conn *c)
{
    pthread_mutex_lock(&registry_lock);
    c->live_next = registry;
    if (registry != NULL)
        registry->live_prev = c;
    registry = c;
    c->live = 1;
    pthread_mutex_unlock(&registry_lock);
}

/* registry_remove - take c off the list of live conns */
static void
registry_remove(struct conn *c)
{
    pthread_mutex_lock(&registry_lock);
    if (c->live_prev != NULL)
        c->live_prev->live_next = c->live_next;
    else
        registry = c->live_next;
    if (c->live_next != NULL)
        c->live_next->live_prev = c->live_prev;
    c->live = 0;
    pthread_mutex_unlock(&registry_lock);
}

/* conn_each_live - call fn on every live conn, with the registry locked
 * (a conn cannot be freed meanwhile; fn must not block) */
void
conn_each_live(void (*fn)(struct conn *c, void *ud), void *ud)
{
    struct conn *c;

    pthread_mutex_lock(&registry_lock);
    for (c = registry; c != NULL; c = c->live_next)
        fn(c, ud);
    pthread_mutex_unlock(&registry_lock);
}

/* conn_set_max - refuse connections past this many (0: no limit) */
void
conn_set_max(int max)
{
    conn_max = max;
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
    int rc;

    if (c == NULL) {
        log_err("out of memory creating a connection");
        return NULL;
    }
    c->id = __atomic_add_fetch(&conn_counter, 1, __ATOMIC_RELAXED);
    if (conn_max > 0 && conn_count() >= conn_max) {
        c->overloaded = 1;
        log_warn("conn#%lu: refused with 451 4.3.2: max_connections (%d) "
                 "reached", c->id, conn_max);
        return c;
    }
    __atomic_add_fetch(&conn_live, 1, __ATOMIC_RELAXED);
    registry_add(c);
    c->actions = NEGOTIATE_ALL_ACTIONS;
    if (s != NULL)
        script_ref(s);
    c->script = s != NULL ? s : script_current();
    c->on_error = c->script != NULL ? c->script->on_error : ONERR_TEMPFAIL;
    c->on_error_reply = c->script != NULL ? &c->script->on_error_reply : NULL;
    if (c->script == NULL) {
        log_err("conn#%lu: no policy script loaded", c->id);
        c->broken = 1;
        c->broken_why = "no policy script is loaded";
        return c;
    }
    rc = engine_open(c, err, sizeof err);
    if (rc < 0) {
        char tag[CONN_TAG_MAX], text[sizeof err + 32];
        snprintf(tag, sizeof tag, "conn#%lu", c->id);
        snprintf(text, sizeof text, "cannot start the policy: %s", err);
        log_block(LOGL_ERR, tag, text);
        c->broken = 1;
        c->broken_why = rc == ENGINE_NO_STATE
                            ? "the policy could not start: no memory for a "
                              "Lua state"
                            : "the policy could not start: its top level "
                              "failed";
    } else {
        log_debug("conn#%lu: Lua state ready, %zu bytes", c->id, c->mem_used);
    }
    return c;
}

/* conn_adopt - bind a caller-owned conn to class cls of state L (raises) */
void
conn_adopt(struct conn *c, struct lua_State *L, int cls, int on_error,
           const struct fixed_reply *on_error_reply)
{
    memset(c, 0, sizeof *c);
    /* numbered apart, so that the policy's own tests do not use up the
     * numbers of live connections in the log */
    c->id = __atomic_add_fetch(&adopted_counter, 1, __ATOMIC_RELAXED);
    c->actions = NEGOTIATE_ALL_ACTIONS;
    c->on_error = on_error;
    c->on_error_reply = on_error_reply;
    c->adopted = 1;
    c->L = L;
    engine_bind(L, c, cls);
}

/* conn_free - close the Lua state and drop the generation */
void
conn_free(struct conn *c)
{
    if (c == NULL)
        return;
    if (c->adopted) {
        engine_unbind(c);
        return;
    }
    if (c->live)
        registry_remove(c);
    engine_close(c);
    script_unref(c->script);
    if (!c->overloaded)
        __atomic_sub_fetch(&conn_live, 1, __ATOMIC_RELAXED);
    free(c);
}

/* conn_count - connections open now */
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
    const char *qid = conn_queue_id(c);

    snprintf(buf, len, "conn#%lu%s%s", c->id, qid != NULL ? " " : "",
             qid != NULL ? qid : "");
    return buf;
}

/* conn_queue_id - the MTA's queue id if known, else NULL */
const char *
conn_queue_id(struct conn *c)
{
    const char *qid;

    if (c->ctx == NULL || c->stage < ST_ENVFROM || c->stage == ST_CLOSE)
        return NULL;
    if (c->qid[0] != '\0')
        return c->qid;
    qid = mta_getsymval(c->ctx, "i");
    if (qid == NULL || *qid == '\0')
        return NULL;
    snprintf(c->qid, sizeof c->qid, "%s", qid);
    return c->qid;
}
