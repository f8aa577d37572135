/*
 * mta_fake.c - the fake MTA of the unit tests (see mta_fake.h).
 */
#include "mta_fake.h"

#include <stdio.h>
#include <string.h>

/* fake_reset - forget calls and macros */
void
fake_reset(SMFICTX *ctx)
{
    memset(ctx, 0, sizeof *ctx);
}

/* fake_macro - set a macro */
void
fake_macro(SMFICTX *ctx, const char *name, const char *value)
{
    ctx->macro_names[ctx->nmacros] = name;
    ctx->macro_values[ctx->nmacros] = value;
    ctx->nmacros++;
}

/* fake_find - the last call of an operation, or NULL */
const struct fake_call *
fake_find(SMFICTX *ctx, const char *op)
{
    int i;

    for (i = ctx->ncalls - 1; i >= 0; i--)
        if (strcmp(ctx->calls[i].op, op) == 0)
            return &ctx->calls[i];
    return NULL;
}

/* record - log one call */
static int
record(SMFICTX *ctx, const char *op, const char *a, const char *b, int idx)
{
    struct fake_call *c;

    if (ctx->fail || ctx->ncalls == FAKE_MAX_CALLS)
        return MI_FAILURE;
    c = &ctx->calls[ctx->ncalls++];
    memset(c, 0, sizeof *c);
    snprintf(c->op, sizeof c->op, "%s", op);
    snprintf(c->a, sizeof c->a, "%s", a != NULL ? a : "(null)");
    snprintf(c->b, sizeof c->b, "%s", b != NULL ? b : "(null)");
    c->idx = idx;
    return MI_SUCCESS;
}

void *mta_getpriv(SMFICTX *ctx) { return ctx->priv; }
int mta_setpriv(SMFICTX *ctx, void *p) { ctx->priv = p; return MI_SUCCESS; }

const char *
mta_getsymval(SMFICTX *ctx, const char *name)
{
    int i;

    for (i = 0; i < ctx->nmacros; i++)
        if (strcmp(ctx->macro_names[i], name) == 0)
            return ctx->macro_values[i];
    return NULL;
}

int
mta_setreply(SMFICTX *ctx, const char *rcode, const char *xcode,
             const char *text)
{
    char b[256];

    snprintf(b, sizeof b, "%s %s", xcode ? xcode : "(null)",
             text ? text : "(null)");
    return record(ctx, "setreply", rcode, b, 1);
}

int
mta_setmlreply(SMFICTX *ctx, const char *rcode, const char *xcode,
               int nlines, const char *const *lines)
{
    char b[256];

    snprintf(b, sizeof b, "%s %s..%s", xcode ? xcode : "(null)", lines[0],
             lines[nlines - 1]);
    return record(ctx, "setmlreply", rcode, b, nlines);
}

int
mta_addheader(SMFICTX *ctx, const char *n, const char *v)
{
    return record(ctx, "addheader", n, v, -1);
}

int
mta_insheader(SMFICTX *ctx, int idx, const char *n, const char *v)
{
    return record(ctx, "insheader", n, v, idx);
}

int
mta_chgheader(SMFICTX *ctx, const char *n, int idx, const char *v)
{
    return record(ctx, "chgheader", n, v, idx);
}

int
mta_addrcpt(SMFICTX *ctx, const char *r, const char *args)
{
    return record(ctx, args ? "addrcpt_par" : "addrcpt", r, args, -1);
}

int mta_delrcpt(SMFICTX *ctx, const char *r) { return record(ctx, "delrcpt", r, NULL, -1); }

int
mta_replacebody(SMFICTX *ctx, const unsigned char *body, size_t len)
{
    int rc = record(ctx, "replacebody", NULL, NULL, -1);

    if (rc == MI_SUCCESS) {
        ctx->calls[ctx->ncalls - 1].len = len;
        ctx->calls[ctx->ncalls - 1].has_nul = memchr(body, 0, len) != NULL;
    }
    return rc;
}

int
mta_chgfrom(SMFICTX *ctx, const char *f, const char *args)
{
    return record(ctx, "chgfrom", f, args, -1);
}

int mta_quarantine(SMFICTX *ctx, const char *r) { return record(ctx, "quarantine", r, NULL, -1); }
int mta_progress(SMFICTX *ctx) { return record(ctx, "progress", NULL, NULL, -1); }

int
mta_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
    return record(ctx, "setsymlist", macros, NULL, stage);
}

const struct mta_backend *mta_use(const struct mta_backend *b) { (void)b; return NULL; }
int mta_register(struct smfiDesc *d) { (void)d; return MI_SUCCESS; }
int mta_setconn(const char *s) { (void)s; return MI_SUCCESS; }
int mta_settimeout(int s) { (void)s; return MI_SUCCESS; }
int mta_setbacklog(int b) { (void)b; return MI_SUCCESS; }
int mta_opensocket(int r) { (void)r; return MI_SUCCESS; }
int mta_main(void) { return MI_SUCCESS; }
int mta_stop(void) { return MI_SUCCESS; }
void mta_version(unsigned *a, unsigned *b, unsigned *c) { *a = 1; *b = 0; *c = 1; }
