/*
 * conn.c - creation and release of per-connection state (see conn.h).
 */
#include "conn.h"
#include "engine.h"
#include "log.h"
#include "mta.h"
#include "script.h"

#include <stdlib.h>

static unsigned long conn_counter;
static long conn_live;

/* conn_new - a connection on the current generation, with its Lua state */
struct conn *
conn_new(void)
{
    struct conn *c = calloc(1, sizeof *c);
    char err[4096];

    if (c == NULL) {
        log_err("out of memory creating a connection");
        return NULL;
    }
    c->id = __atomic_add_fetch(&conn_counter, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&conn_live, 1, __ATOMIC_RELAXED);
    c->actions = NEGOTIATE_ALL_ACTIONS;
    c->script = script_current();
    if (c->script == NULL) {
        log_err("conn#%lu: no policy script loaded", c->id);
        c->broken = 1;
        return c;
    }
    log_info("conn#%lu: new connection, script %s version %s", c->id,
             c->script->path, c->script->hash);
    if (engine_open(c, err, sizeof err) < 0) {
        log_err("conn#%lu: cannot start the policy: %s", c->id, err);
        c->broken = 1;
    }
    return c;
}

/* conn_free - close the Lua state and drop the generation */
void
conn_free(struct conn *c)
{
    if (c == NULL)
        return;
    engine_close(c);
    script_unref(c->script);
    free(c);
    __atomic_sub_fetch(&conn_live, 1, __ATOMIC_RELAXED);
}

/* conn_count - connections open now */
long
conn_count(void)
{
    return __atomic_load_n(&conn_live, __ATOMIC_RELAXED);
}

/* conn_queue_id - the MTA's queue id if known, else NULL */
const char *
conn_queue_id(struct conn *c)
{
    const char *qid;

    if (c->ctx == NULL || c->stage < ST_ENVFROM || c->stage == ST_CLOSE)
        return NULL;
    qid = mta_getsymval(c->ctx, "i");
    if (qid == NULL || *qid == '\0')
        return NULL;
    return qid;
}
