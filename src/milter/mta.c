/*
 * mta.c - a connection's requests to its backend (see mta.h).
 *
 * A connection without a backend (none set yet) gets MI_FAILURE and no
 * macros, as libmilter answers outside a callback.
 */
#include "mta.h"

/* mta_getsymval - a macro value, NULL if the MTA did not send it */
const char *
mta_getsymval(const struct mta *m, const char *name)
{
    return m->ops != NULL ? m->ops->getsymval(m->ctx, name) : NULL;
}

/* mta_setreply - a one-line SMTP reply */
int
mta_setreply(const struct mta *m, const char *rcode, const char *xcode,
             const char *text)
{
    return m->ops != NULL ? m->ops->setreply(m->ctx, rcode, xcode, text)
                          : MI_FAILURE;
}

/* mta_setmlreply - a multi-line SMTP reply */
int
mta_setmlreply(const struct mta *m, const char *rcode, const char *xcode,
               int nlines, const char *const *lines)
{
    return m->ops != NULL ? m->ops->setmlreply(m->ctx, rcode, xcode, nlines,
                                               lines)
                          : MI_FAILURE;
}

/* mta_addheader - append a header */
int
mta_addheader(const struct mta *m, const char *name, const char *value)
{
    return m->ops != NULL ? m->ops->addheader(m->ctx, name, value)
                          : MI_FAILURE;
}

/* mta_insheader - insert a header at a position (0 = top) */
int
mta_insheader(const struct mta *m, int idx, const char *name,
              const char *value)
{
    return m->ops != NULL ? m->ops->insheader(m->ctx, idx, name, value)
                          : MI_FAILURE;
}

/* mta_chgheader - change or (value NULL) delete the idx-th header */
int
mta_chgheader(const struct mta *m, const char *name, int idx,
              const char *value)
{
    return m->ops != NULL ? m->ops->chgheader(m->ctx, name, idx, value)
                          : MI_FAILURE;
}

/* mta_addrcpt - add a recipient, with ESMTP arguments if args is set */
int
mta_addrcpt(const struct mta *m, const char *rcpt, const char *args)
{
    return m->ops != NULL ? m->ops->addrcpt(m->ctx, rcpt, args) : MI_FAILURE;
}

/* mta_delrcpt - remove a recipient */
int
mta_delrcpt(const struct mta *m, const char *rcpt)
{
    return m->ops != NULL ? m->ops->delrcpt(m->ctx, rcpt) : MI_FAILURE;
}

/* mta_replacebody - append bytes to the replacement body */
int
mta_replacebody(const struct mta *m, const unsigned char *body, size_t len)
{
    return m->ops != NULL ? m->ops->replacebody(m->ctx, body, len)
                          : MI_FAILURE;
}

/* mta_chgfrom - change the envelope sender */
int
mta_chgfrom(const struct mta *m, const char *from, const char *args)
{
    return m->ops != NULL ? m->ops->chgfrom(m->ctx, from, args) : MI_FAILURE;
}

/* mta_quarantine - put the message on hold */
int
mta_quarantine(const struct mta *m, const char *reason)
{
    return m->ops != NULL ? m->ops->quarantine(m->ctx, reason) : MI_FAILURE;
}

/* mta_progress - ask the MTA to wait longer */
int
mta_progress(const struct mta *m)
{
    return m->ops != NULL ? m->ops->progress(m->ctx) : MI_FAILURE;
}

/* mta_setsymlist - macros wanted at a stage (negotiate only) */
int
mta_setsymlist(const struct mta *m, int stage, const char *macros)
{
    return m->ops != NULL ? m->ops->setsymlist(m->ctx, stage, macros)
                          : MI_FAILURE;
}
