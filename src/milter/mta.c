/*
 * mta.c - thin wrappers over libmilter's smfi_* calls (see mta.h).
 *
 * Per-connection calls go through the current backend: libmilter's by
 * default, the recording MTA for replay and milter.test.
 */
#include "mta.h"

/* libmilter_getpriv - the connection's private pointer */
static void *
libmilter_getpriv(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

/* libmilter_setpriv - set the connection's private pointer */
static int
libmilter_setpriv(SMFICTX *ctx, void *priv)
{
    return smfi_setpriv(ctx, priv);
}

/* libmilter_getsymval - a macro value, NULL if the MTA did not send it */
static const char *
libmilter_getsymval(SMFICTX *ctx, const char *name)
{
    return smfi_getsymval(ctx, (char *)name);
}

/* libmilter_setreply - a one-line SMTP reply */
static int
libmilter_setreply(SMFICTX *ctx, const char *rcode, const char *xcode,
             const char *text)
{
    return smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text);
}

/* libmilter_setmlreply - a multi-line reply; smfi_setmlreply is variadic */
static int
libmilter_setmlreply(SMFICTX *ctx, const char *rcode, const char *xcode,
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

/* libmilter_addheader - append a header */
static int
libmilter_addheader(SMFICTX *ctx, const char *name, const char *value)
{
    return smfi_addheader(ctx, (char *)name, (char *)value);
}

/* libmilter_insheader - insert a header at a position (0 = top) */
static int
libmilter_insheader(SMFICTX *ctx, int idx, const char *name, const char *value)
{
    return smfi_insheader(ctx, idx, (char *)name, (char *)value);
}

/* libmilter_chgheader - change or (value NULL) delete the idx-th header */
static int
libmilter_chgheader(SMFICTX *ctx, const char *name, int idx, const char *value)
{
    return smfi_chgheader(ctx, (char *)name, idx, (char *)value);
}

/* libmilter_addrcpt - add a recipient, with ESMTP arguments if args is set */
static int
libmilter_addrcpt(SMFICTX *ctx, const char *rcpt, const char *args)
{
    if (args != NULL)
        return smfi_addrcpt_par(ctx, (char *)rcpt, (char *)args);
    return smfi_addrcpt(ctx, (char *)rcpt);
}

/* libmilter_delrcpt - remove a recipient */
static int
libmilter_delrcpt(SMFICTX *ctx, const char *rcpt)
{
    return smfi_delrcpt(ctx, (char *)rcpt);
}

/* libmilter_replacebody - append bytes to the replacement body */
static int
libmilter_replacebody(SMFICTX *ctx, const unsigned char *body, size_t len)
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

/* libmilter_chgfrom - change the envelope sender */
static int
libmilter_chgfrom(SMFICTX *ctx, const char *from, const char *args)
{
    return smfi_chgfrom(ctx, (char *)from, (char *)args);
}

/* libmilter_quarantine - put the message on hold */
static int
libmilter_quarantine(SMFICTX *ctx, const char *reason)
{
    return smfi_quarantine(ctx, (char *)reason);
}

/* libmilter_progress - ask the MTA to wait longer */
static int
libmilter_progress(SMFICTX *ctx)
{
    return smfi_progress(ctx);
}

/* libmilter_setsymlist - macros wanted at a stage (negotiate only) */
static int
libmilter_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
    return smfi_setsymlist(ctx, stage, (char *)macros);
}

static const struct mta_backend libmilter_backend = {
    libmilter_getpriv, libmilter_setpriv, libmilter_getsymval,
    libmilter_setreply, libmilter_setmlreply, libmilter_addheader,
    libmilter_insheader, libmilter_chgheader, libmilter_addrcpt,
    libmilter_delrcpt, libmilter_replacebody, libmilter_chgfrom,
    libmilter_quarantine, libmilter_progress, libmilter_setsymlist
};

/* per thread, so in-policy tests on the signal thread never divert live
 * connections served by libmilter's workers */
static __thread const struct mta_backend *backend_override;

#define backend (backend_override != NULL ? backend_override \
                                          : &libmilter_backend)

/* mta_use - route this thread's per-connection calls (NULL: libmilter) */
const struct mta_backend *
mta_use(const struct mta_backend *b)
{
    const struct mta_backend *old = backend_override;

    backend_override = b;
    return old;
}

/* mta_getpriv - the connection's private pointer */
void *mta_getpriv(SMFICTX *ctx) { return backend->getpriv(ctx); }

/* mta_setpriv - set the connection's private pointer */
int mta_setpriv(SMFICTX *ctx, void *p) { return backend->setpriv(ctx, p); }

/* mta_getsymval - a macro value, NULL if the MTA did not send it */
const char *
mta_getsymval(SMFICTX *ctx, const char *name)
{
    return backend->getsymval(ctx, name);
}

/* mta_setreply - a one-line SMTP reply */
int
mta_setreply(SMFICTX *ctx, const char *rcode, const char *xcode,
             const char *text)
{
    return backend->setreply(ctx, rcode, xcode, text);
}

/* mta_setmlreply - a multi-line SMTP reply */
int
mta_setmlreply(SMFICTX *ctx, const char *rcode, const char *xcode,
               int nlines, const char *const *lines)
{
    return backend->setmlreply(ctx, rcode, xcode, nlines, lines);
}

/* mta_addheader - append a header */
int
mta_addheader(SMFICTX *ctx, const char *name, const char *value)
{
    return backend->addheader(ctx, name, value);
}

/* mta_insheader - insert a header at a position (0 = top) */
int
mta_insheader(SMFICTX *ctx, int idx, const char *name, const char *value)
{
    return backend->insheader(ctx, idx, name, value);
}

/* mta_chgheader - change or (value NULL) delete the idx-th header */
int
mta_chgheader(SMFICTX *ctx, const char *name, int idx, const char *value)
{
    return backend->chgheader(ctx, name, idx, value);
}

/* mta_addrcpt - add a recipient, with ESMTP arguments if args is set */
int
mta_addrcpt(SMFICTX *ctx, const char *rcpt, const char *args)
{
    return backend->addrcpt(ctx, rcpt, args);
}

/* mta_delrcpt - remove a recipient */
int mta_delrcpt(SMFICTX *ctx, const char *r) { return backend->delrcpt(ctx, r); }

/* mta_replacebody - append bytes to the replacement body */
int
mta_replacebody(SMFICTX *ctx, const unsigned char *body, size_t len)
{
    return backend->replacebody(ctx, body, len);
}

/* mta_chgfrom - change the envelope sender */
int
mta_chgfrom(SMFICTX *ctx, const char *from, const char *args)
{
    return backend->chgfrom(ctx, from, args);
}

/* mta_quarantine - put the message on hold */
int
mta_quarantine(SMFICTX *ctx, const char *reason)
{
    return backend->quarantine(ctx, reason);
}

/* mta_progress - ask the MTA to wait longer */
int mta_progress(SMFICTX *ctx) { return backend->progress(ctx); }

/* mta_setsymlist - macros wanted at a stage (negotiate only) */
int
mta_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
    return backend->setsymlist(ctx, stage, macros);
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
