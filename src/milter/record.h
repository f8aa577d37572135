/*
 * record.h - the recording MTA: an SMFICTX that stores what a policy asks.
 *
 * Used where no real MTA is on the other side (luamilter replay, the
 * milter.test module): the same callbacks and action bindings run as in the
 * daemon, and every smfi_* request lands in an action list instead of on
 * the wire.
 */
#ifndef LUAMILTER_RECORD_H
#define LUAMILTER_RECORD_H

#include <libmilter/mfapi.h>
#include <stddef.h>

#include "mta.h"

struct record_action {
    const char *op;     /* addheader insheader chgheader addrcpt delrcpt
                           replacebody chgfrom quarantine progress setreply
                           setsymlist */
    char *name;         /* header name, recipient, sender, reason, rcode */
    char *value;        /* header value, ESMTP params, reply text (lines
                           joined by "\n"); NULL when absent */
    char *xcode;        /* setreply: extended code, may be NULL */
    long idx;           /* header index, symlist stage; -1 if none */
    unsigned char *bytes;   /* replacebody: the whole new body */
    size_t len;
};

SMFICTX *record_new(void);
void record_free(SMFICTX *ctx);
int record_set_macro(SMFICTX *ctx, const char *name, const char *value);
void record_clear(SMFICTX *ctx);
size_t record_count(SMFICTX *ctx);
const struct record_action *record_get(SMFICTX *ctx, size_t i);
void record_set_refuse(SMFICTX *ctx, int refuse);
void record_set_priv(SMFICTX *ctx, void *priv);

extern const struct mta_backend record_backend;

#endif
