/*
 * decision_mta.c - the observing backend of a connection with decision
 * records: every request goes to the backend it wraps, and each
 * modification the MTA took is added to the record (a body replacement
 * by its length only).
 */
#include "decision.h"

#include <stdio.h>
#include <string.h>

/* inner - the wrapped backend */
static const struct mta *
inner(void *ctx)
{
    return &((struct decision *)ctx)->inner;
}

/* seen - rc, after adding the action when the MTA took it */
static int
seen(void *ctx, int rc, const char *action, const char *k1, const char *v1,
     const char *k2, const char *v2, long idx)
{
    if (rc == MI_SUCCESS)
        decision_add_action(ctx, action, k1, v1, k2, v2, idx);
    return rc;
}

/* o_getsymval - a macro, as the MTA sent it */
static const char *
o_getsymval(void *ctx, const char *name)
{
    return mta_getsymval(inner(ctx), name);
}

/* o_setreply - a reply (the record's reply comes from the result) */
static int
o_setreply(void *ctx, const char *rcode, const char *xcode, const char *text)
{
    return mta_setreply(inner(ctx), rcode, xcode, text);
}

/* o_setmlreply - a multi-line reply */
static int
o_setmlreply(void *ctx, const char *rcode, const char *xcode, int nlines,
             const char *const *lines)
{
    return mta_setmlreply(inner(ctx), rcode, xcode, nlines, lines);
}

/* o_addheader - a header appended */
static int
o_addheader(void *ctx, const char *name, const char *value)
{
    return seen(ctx, mta_addheader(inner(ctx), name, value), "addheader",
                "name", name, "value", value, -1);
}

/* o_insheader - a header inserted at idx */
static int
o_insheader(void *ctx, int idx, const char *name, const char *value)
{
    return seen(ctx, mta_insheader(inner(ctx), idx, name, value),
                "insheader", "name", name, "value", value, idx);
}

/* o_chgheader - a header changed (value NULL: deleted) */
static int
o_chgheader(void *ctx, const char *name, int idx, const char *value)
{
    return seen(ctx, mta_chgheader(inner(ctx), name, idx, value),
                "chgheader", "name", name, "value", value, idx);
}

/* o_addrcpt - a recipient added */
static int
o_addrcpt(void *ctx, const char *rcpt, const char *args)
{
    return seen(ctx, mta_addrcpt(inner(ctx), rcpt, args), "addrcpt", "rcpt",
                rcpt, "args", args, -1);
}

/* o_delrcpt - a recipient removed */
static int
o_delrcpt(void *ctx, const char *rcpt)
{
    return seen(ctx, mta_delrcpt(inner(ctx), rcpt), "delrcpt", "rcpt", rcpt,
                NULL, NULL, -1);
}

/* o_replacebody - a body chunk: successive ones add to one action */
static int
o_replacebody(void *ctx, const unsigned char *body, size_t len)
{
    struct decision *d = ctx;
    int rc = mta_replacebody(inner(ctx), body, len);

    if (rc != MI_SUCCESS)
        return rc;
    if (d->nactions == 0 ||
        strcmp(d->actions[d->nactions - 1].action, "replacebody") != 0)
        decision_add_action(d, "replacebody", NULL, NULL, NULL, NULL, -1);
    if (d->nactions > 0 &&
        strcmp(d->actions[d->nactions - 1].action, "replacebody") == 0)
        d->actions[d->nactions - 1].length += len;
    return rc;
}

/* o_chgfrom - the sender changed */
static int
o_chgfrom(void *ctx, const char *from, const char *args)
{
    return seen(ctx, mta_chgfrom(inner(ctx), from, args), "chgfrom", "from",
                from, "args", args, -1);
}

/* o_quarantine - the message held */
static int
o_quarantine(void *ctx, const char *reason)
{
    return seen(ctx, mta_quarantine(inner(ctx), reason), "quarantine",
                "reason", reason, NULL, NULL, -1);
}

/* o_progress - a keepalive */
static int
o_progress(void *ctx)
{
    return mta_progress(inner(ctx));
}

/* o_setsymlist - macros asked for */
static int
o_setsymlist(void *ctx, int stage, const char *macros)
{
    return mta_setsymlist(inner(ctx), stage, macros);
}

static const struct mta_ops observing_ops = {
    o_getsymval, o_setreply, o_setmlreply, o_addheader, o_insheader,
    o_chgheader, o_addrcpt, o_delrcpt, o_replacebody, o_chgfrom,
    o_quarantine, o_progress, o_setsymlist
};

/* decision_wrap_mta - make m (a connection's backend) go through d */
void
decision_wrap_mta(struct decision *d, struct mta *m)
{
    d->inner = *m;
    m->ops = &observing_ops;
    m->ctx = d;
}
