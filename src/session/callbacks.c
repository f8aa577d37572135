/*
 * callbacks.c - xxfi_* callbacks decoded for the session (callbacks.h).
 */
#include "callbacks.h"
#include "conn.h"
#include "dispatch.h"
#include "event.h"
#include "log.h"
#include "mta_libmilter.h"

#include <string.h>

static void (*negotiate_hook)(void);    /* callbacks_on_negotiate */

/* conn_of - the context's connection, created on its first callback */
static struct conn *
conn_of(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    struct mta mta;

    if (c == NULL) {
        mta = mta_libmilter(ctx);
        c = conn_new(&mta);
        if (c != NULL && smfi_setpriv(ctx, c) != MI_SUCCESS) {
            conn_free(c);
            c = NULL;
        }
    }
    return c;
}

/* dispatch - run one stage for the context's connection */
static sfsistat
dispatch(SMFICTX *ctx, enum stage st, const struct event *ev)
{
    struct conn *c = conn_of(ctx);
    struct mta mta;

    if (c == NULL) {
        /* no memory for even a connection: fail safe without Lua */
        if (st == ST_ABORT || st == ST_CLOSE)
            return SMFIS_CONTINUE;
        mta = mta_libmilter(ctx);
        mta_setreply(&mta, "451", "4.3.0", "Temporary mail filter failure");
        return SMFIS_TEMPFAIL;
    }
    return session_stage(c, st, ev);
}

/* lm_negotiate - OPTNEG: derive options from the class, or ask it */
static sfsistat
lm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
             unsigned long f2, unsigned long f3, unsigned long *pf0,
             unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    struct conn *c = conn_of(ctx);
    const unsigned long offer[4] = {f0, f1, f2, f3};

    *pf2 = *pf3 = 0;
    if (negotiate_hook != NULL)
        negotiate_hook();
    if (c == NULL)
        return SMFIS_ALL_OPTS;
    return session_negotiate(c, offer, pf0, pf1);
}

/* lm_connect - connect(hostname, family, hostaddr) */
static sfsistat
lm_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
    struct event ev;

    event_connect_sa(&ev, hostname, sa);
    return dispatch(ctx, ST_CONNECT, &ev);
}

/* lm_helo - hello(heloname) */
static sfsistat
lm_helo(SMFICTX *ctx, char *helo)
{
    struct event ev;

    event_str(&ev, helo);
    return dispatch(ctx, ST_HELO, &ev);
}

/* lm_envfrom - envfrom(from, params...) */
static sfsistat
lm_envfrom(SMFICTX *ctx, char **argv)
{
    struct event ev;

    event_argv(&ev, argv);
    return dispatch(ctx, ST_ENVFROM, &ev);
}

/* lm_envrcpt - envrcpt(to, params...) */
static sfsistat
lm_envrcpt(SMFICTX *ctx, char **argv)
{
    struct event ev;

    event_argv(&ev, argv);
    return dispatch(ctx, ST_ENVRCPT, &ev);
}

/* lm_data - data() */
static sfsistat
lm_data(SMFICTX *ctx)
{
    struct event ev;

    event_none(&ev);
    return dispatch(ctx, ST_DATA, &ev);
}

/* lm_header - header(name, value) */
static sfsistat
lm_header(SMFICTX *ctx, char *name, char *value)
{
    struct event ev;

    event_header(&ev, name, value);
    return dispatch(ctx, ST_HEADER, &ev);
}

/* lm_eoh - eoh() */
static sfsistat
lm_eoh(SMFICTX *ctx)
{
    struct event ev;

    event_none(&ev);
    return dispatch(ctx, ST_EOH, &ev);
}

/* lm_body - body(chunk), bytes with NULs kept */
static sfsistat
lm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct event ev;

    event_bytes(&ev, chunk, len);
    return dispatch(ctx, ST_BODY, &ev);
}

/* lm_eom - eom() */
static sfsistat
lm_eom(SMFICTX *ctx)
{
    struct event ev;

    event_none(&ev);
    return dispatch(ctx, ST_EOM, &ev);
}

/* lm_abort - abort() */
static sfsistat
lm_abort(SMFICTX *ctx)
{
    struct event ev;

    event_none(&ev);
    return dispatch(ctx, ST_ABORT, &ev);
}

/* lm_unknown - unknown(command) */
static sfsistat
lm_unknown(SMFICTX *ctx, const char *cmd)
{
    struct event ev;

    event_str(&ev, cmd);
    return dispatch(ctx, ST_UNKNOWN, &ev);
}

/* lm_close - close(), then the connection's state is freed (a context
 * that never had a callback before has no connection to close) */
static sfsistat
lm_close(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);

    if (c != NULL) {
        smfi_setpriv(ctx, NULL);
        session_close(c);
    }
    return SMFIS_CONTINUE;
}

/* callbacks_on_negotiate - fn runs first in every negotiate callback, on
 * the thread that read the MTA's OPTNEG (NULL: nothing) */
void
callbacks_on_negotiate(void (*fn)(void))
{
    negotiate_hook = fn;
}

/* callbacks_fill - the filter description with every callback */
void
callbacks_fill(struct smfiDesc *desc)
{
    static char name[] = "luamilter";

    memset(desc, 0, sizeof *desc);
    desc->xxfi_name = name;
    desc->xxfi_version = SMFI_VERSION;
    desc->xxfi_flags = NEGOTIATE_ALL_ACTIONS;
    desc->xxfi_connect = lm_connect;
    desc->xxfi_helo = lm_helo;
    desc->xxfi_envfrom = lm_envfrom;
    desc->xxfi_envrcpt = lm_envrcpt;
    desc->xxfi_header = lm_header;
    desc->xxfi_eoh = lm_eoh;
    desc->xxfi_body = lm_body;
    desc->xxfi_eom = lm_eom;
    desc->xxfi_abort = lm_abort;
    desc->xxfi_close = lm_close;
    desc->xxfi_unknown = lm_unknown;
    desc->xxfi_data = lm_data;
    desc->xxfi_negotiate = lm_negotiate;
}
