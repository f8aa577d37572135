/*
 * record.h - the recording MTA: a backend (mta.h) that stores what a
 * policy asks for.
 *
 * Used where no real MTA is on the other side (luamilter replay,
 * milter.test, in-policy tests, the fuzz harness): the same session,
 * callbacks and action bindings run as in the daemon, and every request
 * lands in an action list instead of on the wire.  Macros are what the
 * driver (or the caller) set: a macro set with record_set_macro is the
 * caller's and stays; record_default_macro only fills in what the caller
 * left unset.
 */
#ifndef LUAMILTER_RECORD_H
#define LUAMILTER_RECORD_H

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

struct record;

struct record *record_new(void);
void record_free(struct record *r);
struct mta record_mta(struct record *r);
int record_set_macro(struct record *r, const char *name, const char *value);
int record_default_macro(struct record *r, const char *name,
                         const char *value);
void record_clear(struct record *r);
size_t record_count(const struct record *r);
const struct record_action *record_get(const struct record *r, size_t i);

#endif
