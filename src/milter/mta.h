/*
 * mta.h - the seam between a connection and the MTA it serves.
 *
 * A connection holds its backend for its whole life: a struct mta, a
 * table of operations and the backend's own context.  libmilter's backend
 * (mta_libmilter.c, the daemon only) passes each call to smfi_*; the
 * recorder (record.c, replay, milter.test, in-policy tests, the fuzz
 * harness) keeps what the policy asked for.  A backend can be wrapped
 * (tee, observe, record) by an ops table whose context holds the inner
 * struct mta.  Every call returns MI_SUCCESS or MI_FAILURE as libmilter
 * does; nothing here needs libmilter itself, only its constants.
 */
#ifndef LUAMILTER_MTA_H
#define LUAMILTER_MTA_H

#include <libmilter/mfapi.h>
#include <stddef.h>

/* what a backend does with each per-connection request */
struct mta_ops {
    const char *(*getsymval)(void *ctx, const char *name);
    int (*setreply)(void *ctx, const char *rcode, const char *xcode,
                    const char *text);
    int (*setmlreply)(void *ctx, const char *rcode, const char *xcode,
                      int nlines, const char *const *lines);
    int (*addheader)(void *ctx, const char *name, const char *value);
    int (*insheader)(void *ctx, int idx, const char *name,
                     const char *value);
    int (*chgheader)(void *ctx, const char *name, int idx,
                     const char *value);
    int (*addrcpt)(void *ctx, const char *rcpt, const char *args);
    int (*delrcpt)(void *ctx, const char *rcpt);
    int (*replacebody)(void *ctx, const unsigned char *body, size_t len);
    int (*chgfrom)(void *ctx, const char *from, const char *args);
    int (*quarantine)(void *ctx, const char *reason);
    int (*progress)(void *ctx);
    int (*setsymlist)(void *ctx, int stage, const char *macros);
};

/* one connection's backend */
struct mta {
    const struct mta_ops *ops;  /* NULL: none yet */
    void *ctx;                  /* the backend's own: an SMFICTX, a record */
};

const char *mta_getsymval(const struct mta *m, const char *name);
int mta_setreply(const struct mta *m, const char *rcode, const char *xcode,
                 const char *text);
int mta_setmlreply(const struct mta *m, const char *rcode, const char *xcode,
                   int nlines, const char *const *lines);
int mta_addheader(const struct mta *m, const char *name, const char *value);
int mta_insheader(const struct mta *m, int idx, const char *name,
                  const char *value);
int mta_chgheader(const struct mta *m, const char *name, int idx,
                  const char *value);
int mta_addrcpt(const struct mta *m, const char *rcpt, const char *args);
int mta_delrcpt(const struct mta *m, const char *rcpt);
int mta_replacebody(const struct mta *m, const unsigned char *body,
                    size_t len);
int mta_chgfrom(const struct mta *m, const char *from, const char *args);
int mta_quarantine(const struct mta *m, const char *reason);
int mta_progress(const struct mta *m);
int mta_setsymlist(const struct mta *m, int stage, const char *macros);

#endif
