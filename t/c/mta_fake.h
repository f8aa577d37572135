/*
 * mta_fake.h - a fake MTA backend (mta.h) for unit tests.
 *
 * A struct fake_mta holds macros and a log of the requests made on it,
 * which tests inspect; fake_mta_of makes it a connection's backend.
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

struct fake_mta {
    const char *macro_names[FAKE_MAX_MACROS];
    const char *macro_values[FAKE_MAX_MACROS];
    int nmacros;
    struct fake_call calls[FAKE_MAX_CALLS];
    int ncalls;
    int fail;           /* every call returns MI_FAILURE */
};

struct mta fake_mta_of(struct fake_mta *f);
void fake_reset(struct fake_mta *f);
void fake_macro(struct fake_mta *f, const char *name, const char *value);
const struct fake_call *fake_find(const struct fake_mta *f, const char *op);

#endif
