/*
 * mta_fake.c - the fake MTA of the unit tests (see mta_fake.h).
 */
#include "mta_fake.h"

#include <stdio.h>
#include <string.h>

/* fake_reset - forget calls and macros */
void
fake_reset(struct fake_mta *f)
{
    memset(f, 0, sizeof *f);
}

/* fake_macro - set a macro */
void
fake_macro(struct fake_mta *f, const char *name, const char *value)
{
    f->macro_names[f->nmacros] = name;
    f->macro_values[f->nmacros] = value;
    f->nmacros++;
}

/* fake_find - the last call of an operation, or NULL */
const struct fake_call *
fake_find(const struct fake_mta *f, const char *op)
{
    int i;

    for (i = f->ncalls - 1; i >= 0; i--)
        if (strcmp(f->calls[i].op, op) == 0)
            return &f->calls[i];
    return NULL;
}

/* record - log one call */
static int
record(struct fake_mta *f, const char *op, const char *a, const char *b,
       int idx)
{
    struct fake_call *c;

    if (f->fail || f->ncalls == FAKE_MAX_CALLS)
        return MI_FAILURE;
    c = &f->calls[f->ncalls++];
    memset(c, 0, sizeof *c);
    snprintf(c->op, sizeof c->op, "%s", op);
    snprintf(c->a, sizeof c->a, "%s", a != NULL ? a : "(null)");
    snprintf(c->b, sizeof c->b, "%s", b != NULL ? b : "(null)");
    c->idx = idx;
    return MI_SUCCESS;
}

/* fk_getsymval - a macro set with fake_macro */
static const char *
fk_getsymval(void *ctx, const char *name)
{
    struct fake_mta *f = ctx;
    int i;

    for (i = 0; i < f->nmacros; i++)
        if (strcmp(f->macro_names[i], name) == 0)
            return f->macro_values[i];
    return NULL;
}

/* fk_setreply - logged as rcode, "xcode text" */
static int
fk_setreply(void *ctx, const char *rcode, const char *xcode, const char *text)
{
    char b[256];

    snprintf(b, sizeof b, "%s %s", xcode ? xcode : "(null)",
             text ? text : "(null)");
    return record(ctx, "setreply", rcode, b, 1);
}

/* fk_setmlreply - logged as rcode, "xcode first..last", the line count */
static int
fk_setmlreply(void *ctx, const char *rcode, const char *xcode, int nlines,
              const char *const *lines)
{
    char b[256];

    snprintf(b, sizeof b, "%s %s..%s", xcode ? xcode : "(null)", lines[0],
             lines[nlines - 1]);
    return record(ctx, "setmlreply", rcode, b, nlines);
}

/* fk_addheader - logged */
static int
fk_addheader(void *ctx, const char *n, const char *v)
{
    return record(ctx, "addheader", n, v, -1);
}

/* fk_insheader - logged with its index */
static int
fk_insheader(void *ctx, int idx, const char *n, const char *v)
{
    return record(ctx, "insheader", n, v, idx);
}

/* fk_chgheader - logged with its index */
static int
fk_chgheader(void *ctx, const char *n, int idx, const char *v)
{
    return record(ctx, "chgheader", n, v, idx);
}

/* fk_addrcpt - logged as addrcpt, or addrcpt_par with arguments */
static int
fk_addrcpt(void *ctx, const char *r, const char *args)
{
    return record(ctx, args ? "addrcpt_par" : "addrcpt", r, args, -1);
}

/* fk_delrcpt - logged */
static int
fk_delrcpt(void *ctx, const char *r)
{
    return record(ctx, "delrcpt", r, NULL, -1);
}

/* fk_replacebody - logged with the length and whether a NUL was in it */
static int
fk_replacebody(void *ctx, const unsigned char *body, size_t len)
{
    struct fake_mta *f = ctx;
    int rc = record(f, "replacebody", NULL, NULL, -1);

    if (rc == MI_SUCCESS) {
        f->calls[f->ncalls - 1].len = len;
        f->calls[f->ncalls - 1].has_nul = memchr(body, 0, len) != NULL;
    }
    return rc;
}

/* fk_chgfrom - logged */
static int
fk_chgfrom(void *ctx, const char *from, const char *args)
{
    return record(ctx, "chgfrom", from, args, -1);
}

/* fk_quarantine - logged */
static int
fk_quarantine(void *ctx, const char *r)
{
    return record(ctx, "quarantine", r, NULL, -1);
}

/* fk_progress - logged */
static int
fk_progress(void *ctx)
{
    return record(ctx, "progress", NULL, NULL, -1);
}

/* fk_setsymlist - logged with the stage */
static int
fk_setsymlist(void *ctx, int stage, const char *macros)
{
    return record(ctx, "setsymlist", macros, NULL, stage);
}

static const struct mta_ops fake_ops = {
    fk_getsymval, fk_setreply, fk_setmlreply, fk_addheader, fk_insheader,
    fk_chgheader, fk_addrcpt, fk_delrcpt, fk_replacebody, fk_chgfrom,
    fk_quarantine, fk_progress, fk_setsymlist
};

/* fake_mta_of - f as a connection's backend */
struct mta
fake_mta_of(struct fake_mta *f)
{
    struct mta m;

    m.ops = &fake_ops;
    m.ctx = f;
    return m;
}
