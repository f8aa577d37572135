/*
 * mta_libmilter.c - requests passed to libmilter (see mta_libmilter.h).
 */
#include "mta_libmilter.h"

/* lm_getsymval - a macro value, NULL if the MTA did not send it */
static const char *
lm_getsymval(void *ctx, const char *name)
{
    return smfi_getsymval(ctx, (char *)name);
}

/* lm_setreply - a one-line SMTP reply */
static int
lm_setreply(void *ctx, const char *rcode, const char *xcode,
            const char *text)
{
    return smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text);
}

/* lm_setmlreply - a multi-line reply; smfi_setmlreply is variadic */
static int
lm_setmlreply(void *ctx, const char *rcode, const char *xcode, int nlines,
              const char *const *lines)
{
    const char *l[32] = {0};
    int i;

    if (nlines < 1 || nlines > 32)
        return MI_FAILURE;
    for (i = 0; i < nlines; i++)
        l[i] = lines[i];
    return smfi_setmlreply(ctx, rcode, xcode, l[0], l[1], l[2], l[3], l[4],
                           l[5], l[6], l[7], l[8], l[9], l[10], l[11], l[12],
                           l[13], l[14], l[15], l[16], l[17], l[18], l[19],
                           l[20], l[21], l[22], l[23], l[24], l[25], l[26],
                           l[27], l[28], l[29], l[30], l[31], (char *)NULL);
}

/* lm_addheader - append a header */
static int
lm_addheader(void *ctx, const char *name, const char *value)
{
    return smfi_addheader(ctx, (char *)name, (char *)value);
}

/* lm_insheader - insert a header at a position (0 = top) */
static int
lm_insheader(void *ctx, int idx, const char *name, const char *value)
{
    return smfi_insheader(ctx, idx, (char *)name, (char *)value);
}

/* lm_chgheader - change or (value NULL) delete the idx-th header */
static int
lm_chgheader(void *ctx, const char *name, int idx, const char *value)
{
    return smfi_chgheader(ctx, (char *)name, idx, (char *)value);
}

/* lm_addrcpt - add a recipient, with ESMTP arguments if args is set */
static int
lm_addrcpt(void *ctx, const char *rcpt, const char *args)
{
    if (args != NULL)
        return smfi_addrcpt_par(ctx, (char *)rcpt, (char *)args);
    return smfi_addrcpt(ctx, (char *)rcpt);
}

/* lm_delrcpt - remove a recipient */
static int
lm_delrcpt(void *ctx, const char *rcpt)
{
    return smfi_delrcpt(ctx, (char *)rcpt);
}

/* lm_replacebody - append bytes to the replacement body */
static int
lm_replacebody(void *ctx, const unsigned char *body, size_t len)
{
    /* libmilter takes an int length; feed huge bodies in slices */
    const size_t slice = 1u << 30;

    if (len == 0)
        return smfi_replacebody(ctx, (unsigned char *)body, 0);
    while (len > 0) {
        size_t n = len > slice ? slice : len;

        if (smfi_replacebody(ctx, (unsigned char *)body, (int)n) != MI_SUCCESS)
            return MI_FAILURE;
        body += n;
        len -= n;
    }
    return MI_SUCCESS;
}

/* lm_chgfrom - change the envelope sender */
static int
lm_chgfrom(void *ctx, const char *from, const char *args)
{
    return smfi_chgfrom(ctx, (char *)from, (char *)args);
}

/* lm_quarantine - put the message on hold */
static int
lm_quarantine(void *ctx, const char *reason)
{
    return smfi_quarantine(ctx, (char *)reason);
}

/* lm_progress - ask the MTA to wait longer */
static int
lm_progress(void *ctx)
{
    return smfi_progress(ctx);
}

/* lm_setsymlist - macros wanted at a stage (negotiate only) */
static int
lm_setsymlist(void *ctx, int stage, const char *macros)
{
    return smfi_setsymlist(ctx, stage, (char *)macros);
}

static const struct mta_ops libmilter_ops = {
    lm_getsymval, lm_setreply, lm_setmlreply, lm_addheader, lm_insheader,
    lm_chgheader, lm_addrcpt, lm_delrcpt, lm_replacebody, lm_chgfrom,
    lm_quarantine, lm_progress, lm_setsymlist
};

/* mta_libmilter - the backend of a libmilter connection */
struct mta
mta_libmilter(SMFICTX *ctx)
{
    struct mta m;

    m.ops = &libmilter_ops;
    m.ctx = ctx;
    return m;
}
