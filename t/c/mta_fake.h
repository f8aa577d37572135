/*
 * mta_fake.h - a fake MTA behind the mta seam for unit tests.
 *
 * Implements every mta_* function of src/milter/mta.h without libmilter.  The
 * SMFICTX is our own struct: a private pointer, macros, and a log of the
 * calls made on it, which tests inspect.
 */
#ifndef LUAMILTER_MTA_FAKE_H
#define LUAMILTER_MTA_FAKE_H

#include <stddef.h>

#include "mta.h"

#define FAKE_MAX_CALLS 64
#define FAKE_MAX_MACROS 16

struct fake_call {
    char op[16];        /* addheader, insheader, chgheader, setreply, ... */
    char a[256];        /* first string argument */
    char b[256];        /* second string argument ("(null)" for NULL) */
    int idx;
    size_t len;         /* replacebody length */
    int has_nul;        /* replacebody bytes contained a NUL */
};

struct smfi_str {
    void *priv;
    const char *macro_names[FAKE_MAX_MACROS];
    const char *macro_values[FAKE_MAX_MACROS];
    int nmacros;
    struct fake_call calls[FAKE_MAX_CALLS];
    int ncalls;
    int fail;           /* every call returns MI_FAILURE */
};

void fake_reset(SMFICTX *ctx);
void fake_macro(SMFICTX *ctx, const char *name, const char *value);
const struct fake_call *fake_find(SMFICTX *ctx, const char *op);

#endif
