/*
 * mta.c - thin wrappers over libmilter's smfi_* calls (see mta.h).
 */
#include "mta.h"

/* mta_getpriv - the connection's private pointer */
void *
mta_getpriv(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

/* mta_setpriv - set the connection's private pointer */
int
mta_setpriv(SMFICTX *ctx, void *priv)
{
    return smfi_setpriv(ctx, priv);
}

/* mta_getsymval - a macro value, NULL if the MTA did not send it */
const char *
mta_getsymval(SMFICTX *ctx, const char *name)
{
    return smfi_getsymval(ctx, (char *)name);
}

/* mta_setreply - a one-line SMTP reply */
int
mta_setreply(SMFICTX *ctx, const char *rcode, const char *xcode,
             const char *text)
{
    return smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text);
}

/* mta_setmlreply - a multi-line reply; smfi_setmlreply is variadic */
int
mta_setmlreply(SMFICTX *ctx, const char *rcode, const char *xcode,
               int nlines, const char *const *lines)
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

/* mta_addheader - append a header */
int
mta_addheader(SMFICTX *ctx, const char *name, const char *value)
{
    return smfi_addheader(ctx, (char *)name, (char *)value);
}

/* mta_insheader - insert a header at a position (0 = top) */
int
mta_insheader(SMFICTX *ctx, int idx, const char *name, const char *value)
{
    return smfi_insheader(ctx, idx, (char *)name, (char *)value);
}

/* mta_chgheader - change or (value NULL) delete the idx-th header */
int
mta_chgheader(SMFICTX *ctx, const char *name, int idx, const char *value)
{
    return smfi_chgheader(ctx, (char *)name, idx, (char *)value);
}

/* mta_addrcpt - add a recipient, with ESMTP arguments if args is set */
int
mta_addrcpt(SMFICTX *ctx, const char *rcpt, const char *args)
{
    if (args != NULL)
        return smfi_addrcpt_par(ctx, (char *)rcpt, (char *)args);
    return smfi_addrcpt(ctx, (char *)rcpt);
}

/* mta_delrcpt - remove a recipient */
int
mta_delrcpt(SMFICTX *ctx, const char *rcpt)
{
    return smfi_delrcpt(ctx, (char *)rcpt);
}

/* mta_replacebody - append bytes to the replacement body */
int
mta_replacebody(SMFICTX *ctx, const unsigned char *body, size_t len)
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

/* mta_chgfrom - change the envelope sender */
int
mta_chgfrom(SMFICTX *ctx, const char *from, const char *args)
{
    return smfi_chgfrom(ctx, (char *)from, (char *)args);
}

/* mta_quarantine - put the message on hold */
int
mta_quarantine(SMFICTX *ctx, const char *reason)
{
    return smfi_quarantine(ctx, (char *)reason);
}

/* mta_progress - ask the MTA to wait longer */
int
mta_progress(SMFICTX *ctx)
{
    return smfi_progress(ctx);
}

/* mta_setsymlist - macros wanted at a stage (negotiate only) */
int
mta_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
    return smfi_setsymlist(ctx, stage, (char *)macros);
}

/* mta_register - register the filter description */
int
mta_register(struct smfiDesc *desc)
{
    return smfi_register(*desc);
}

/* mta_setconn - the listening socket spec */
int
mta_setconn(const char *spec)
{
    return smfi_setconn((char *)spec);
}

/* mta_settimeout - MTA I/O timeout */
int
mta_settimeout(int seconds)
{
    return smfi_settimeout(seconds);
}

/* mta_setbacklog - listen backlog */
int
mta_setbacklog(int backlog)
{
    return smfi_setbacklog(backlog);
}

/* mta_opensocket - open the listening socket now */
int
mta_opensocket(int remove_stale)
{
    return smfi_opensocket(remove_stale ? true : false);
}

/* mta_main - run the accept loop until stopped */
int
mta_main(void)
{
    return smfi_main();
}

/* mta_stop - ask the accept loop to stop */
int
mta_stop(void)
{
    return smfi_stop();
}

/* mta_version - libmilter's runtime version */
void
mta_version(unsigned *major, unsigned *minor, unsigned *patch)
{
    unsigned int a = 0, b = 0, c = 0;

    smfi_version(&a, &b, &c);
    *major = a;
    *minor = b;
    *patch = c;
}
