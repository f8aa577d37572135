/*
 * mta.h - the seam between luamilter and libmilter.
 *
 * Every smfi_* call of the daemon goes through here, so unit tests link
 * t/c/fake_mta.c instead and need neither an MTA nor a real SMFICTX.
 * Functions return MI_SUCCESS or MI_FAILURE as libmilter does.
 */
#ifndef LUAMILTER_MTA_H
#define LUAMILTER_MTA_H

#include <libmilter/mfapi.h>
#include <stddef.h>

void *mta_getpriv(SMFICTX *ctx);
int mta_setpriv(SMFICTX *ctx, void *priv);
const char *mta_getsymval(SMFICTX *ctx, const char *name);
int mta_setreply(SMFICTX *ctx, const char *rcode, const char *xcode,
                 const char *text);
int mta_setmlreply(SMFICTX *ctx, const char *rcode, const char *xcode,
                   int nlines, const char *const *lines);
int mta_addheader(SMFICTX *ctx, const char *name, const char *value);
int mta_insheader(SMFICTX *ctx, int idx, const char *name, const char *value);
int mta_chgheader(SMFICTX *ctx, const char *name, int idx, const char *value);
int mta_addrcpt(SMFICTX *ctx, const char *rcpt, const char *args);
int mta_delrcpt(SMFICTX *ctx, const char *rcpt);
int mta_replacebody(SMFICTX *ctx, const unsigned char *body, size_t len);
int mta_chgfrom(SMFICTX *ctx, const char *from, const char *args);
int mta_quarantine(SMFICTX *ctx, const char *reason);
int mta_progress(SMFICTX *ctx);
int mta_setsymlist(SMFICTX *ctx, int stage, const char *macros);

/*
 * Where per-connection calls go: libmilter (the default) or the recording
 * MTA of replay and milter.test (record.c).
 */
struct mta_backend {
    void *(*getpriv)(SMFICTX *);
    int (*setpriv)(SMFICTX *, void *);
    const char *(*getsymval)(SMFICTX *, const char *);
    int (*setreply)(SMFICTX *, const char *, const char *, const char *);
    int (*setmlreply)(SMFICTX *, const char *, const char *, int,
                      const char *const *);
    int (*addheader)(SMFICTX *, const char *, const char *);
    int (*insheader)(SMFICTX *, int, const char *, const char *);
    int (*chgheader)(SMFICTX *, const char *, int, const char *);
    int (*addrcpt)(SMFICTX *, const char *, const char *);
    int (*delrcpt)(SMFICTX *, const char *);
    int (*replacebody)(SMFICTX *, const unsigned char *, size_t);
    int (*chgfrom)(SMFICTX *, const char *, const char *);
    int (*quarantine)(SMFICTX *, const char *);
    int (*progress)(SMFICTX *);
    int (*setsymlist)(SMFICTX *, int, const char *);
};

const struct mta_backend *mta_use(const struct mta_backend *backend);

/* process-level calls, used by main.c only */
int mta_register(struct smfiDesc *desc);
int mta_setconn(const char *spec);
int mta_settimeout(int seconds);
int mta_setbacklog(int backlog);
int mta_opensocket(int remove_stale);
int mta_main(void);
int mta_stop(void);
void mta_version(unsigned *major, unsigned *minor, unsigned *patch);

#endif
