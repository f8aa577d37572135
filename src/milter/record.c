/*
 * record.c - the recording MTA backend (see record.h).
 */
#include "record.h"
#include "reply.h"

#include <stdlib.h>
#include <string.h>

struct record_macro {
    char *name;         /* without braces */
    char *value;
};

struct smfi_str {
    void *priv;
    struct record_macro *macros;
    size_t nmacros;
    struct record_action *acts;
    size_t nacts, cap;
    int refuse;         /* every request fails, as libmilter does */
};

/* dup_or_null - strdup that keeps NULL */
static char *
dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* bare_name - a macro name without surrounding braces, in buf */
static const char *
bare_name(const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);

    if (n >= 2 && name[0] == '{' && name[n - 1] == '}') {
        if (n - 2 >= cap)
            n = cap + 1;
        memcpy(buf, name + 1, n - 2);
        buf[n - 2] = '\0';
        return buf;
    }
    return name;
}

/* record_new - an empty recording context */
SMFICTX *
record_new(void)
{
    return calloc(1, sizeof(struct smfi_str));
}

/* free_action - release one recorded action */
static void
free_action(struct record_action *a)
{
    free(a->name);
    free(a->value);
    free(a->xcode);
    free(a->bytes);
}

/* record_clear - forget the recorded actions */
void
record_clear(SMFICTX *ctx)
{
    size_t i;

    for (i = 0; i < ctx->nacts; i++)
        free_action(&ctx->acts[i]);
    ctx->nacts = 0;
}

/* record_free - release a context, its macros and actions */
void
record_free(SMFICTX *ctx)
{
    size_t i;

    if (ctx == NULL)
        return;
    record_clear(ctx);
    free(ctx->acts);
    for (i = 0; i < ctx->nmacros; i++) {
        free(ctx->macros[i].name);
        free(ctx->macros[i].value);
    }
    free(ctx->macros);
    free(ctx);
}

/* record_set_macro - set or replace a macro ("i" and "{i}" are one) */
int
record_set_macro(SMFICTX *ctx, const char *name, const char *value)
{
    char buf[256];
    const char *bare = bare_name(name, buf, sizeof buf);
    struct record_macro *m;
    size_t i;

    for (i = 0; i < ctx->nmacros; i++) {
        if (strcmp(ctx->macros[i].name, bare) == 0) {
            char *v = strdup(value);
            if (v == NULL)
                return -1;
            free(ctx->macros[i].value);
            ctx->macros[i].value = v;
            return 0;
        }
    }
    m = realloc(ctx->macros, (ctx->nmacros + 1) * sizeof *m);
    if (m == NULL)
        return -1;
    ctx->macros = m;
    m[ctx->nmacros].name = strdup(bare);
    m[ctx->nmacros].value = strdup(value);
    if (m[ctx->nmacros].name == NULL || m[ctx->nmacros].value == NULL) {
        free(m[ctx->nmacros].name);
        free(m[ctx->nmacros].value);
        return -1;
    }
    ctx->nmacros++;
    return 0;
}

/* record_set_refuse - make every later request fail */
void
record_set_refuse(SMFICTX *ctx, int refuse)
{
    ctx->refuse = refuse;
}

/* record_set_priv - preset the private pointer (an adopted connection) */
void
record_set_priv(SMFICTX *ctx, void *priv)
{
    ctx->priv = priv;
}

/* record_count - how many actions were recorded */
size_t
record_count(SMFICTX *ctx)
{
    return ctx->nacts;
}

/* record_get - the i-th recorded action */
const struct record_action *
record_get(SMFICTX *ctx, size_t i)
{
    return i < ctx->nacts ? &ctx->acts[i] : NULL;
}

/* add - append an action; MI_FAILURE if refused or out of memory */
static int
add(SMFICTX *ctx, const char *op, const char *name, const char *value,
    long idx)
{
    struct record_action *a;

    if (ctx->refuse)
        return MI_FAILURE;
    if (ctx->nacts == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 8;
        struct record_action *bigger = realloc(ctx->acts, cap * sizeof *a);
        if (bigger == NULL)
            return MI_FAILURE;
        ctx->acts = bigger;
        ctx->cap = cap;
    }
    a = &ctx->acts[ctx->nacts];
    memset(a, 0, sizeof *a);
    a->op = op;
    a->idx = idx;
    a->name = dup_or_null(name);
    a->value = dup_or_null(value);
    if ((name != NULL && a->name == NULL) ||
        (value != NULL && a->value == NULL)) {
        free_action(a);
        return MI_FAILURE;
    }
    ctx->nacts++;
    return MI_SUCCESS;
}

/* rec_getpriv - private pointer */
static void *
rec_getpriv(SMFICTX *ctx)
{
    return ctx->priv;
}

/* rec_setpriv - set the private pointer */
static int
rec_setpriv(SMFICTX *ctx, void *priv)
{
    ctx->priv = priv;
    return MI_SUCCESS;
}

/* rec_getsymval - a macro, by name with or without braces */
static const char *
rec_getsymval(SMFICTX *ctx, const char *name)
{
    char buf[256];
    const char *bare = bare_name(name, buf, sizeof buf);
    size_t i;

    for (i = 0; i < ctx->nmacros; i++)
        if (strcmp(ctx->macros[i].name, bare) == 0)
            return ctx->macros[i].value;
    return NULL;
}

/* rec_setreply - record "rcode xcode text", the text as the client reads
 * it (the MTA undoes libmilter's "%%") */
static int
rec_setreply(SMFICTX *ctx, const char *rcode, const char *xcode,
             const char *text)
{
    int rc = add(ctx, "setreply", rcode, text, -1);

    if (rc != MI_SUCCESS)
        return rc;
    if (ctx->acts[ctx->nacts - 1].value != NULL)
        reply_unescape(ctx->acts[ctx->nacts - 1].value);
    if (xcode != NULL &&
        (ctx->acts[ctx->nacts - 1].xcode = strdup(xcode)) == NULL)
        return MI_FAILURE;
    return rc;
}

/* rec_setmlreply - record a multi-line reply, lines joined by "\n" */
static int
rec_setmlreply(SMFICTX *ctx, const char *rcode, const char *xcode,
               int nlines, const char *const *lines)
{
    size_t n = 1;
    char *text;
    int i, rc;

    for (i = 0; i < nlines; i++)
        n += strlen(lines[i]) + 1;
    text = malloc(n);
    if (text == NULL)
        return MI_FAILURE;
    text[0] = '\0';
    for (i = 0; i < nlines; i++) {
        if (i > 0)
            strcat(text, "\n");
        strcat(text, lines[i]);
    }
    rc = rec_setreply(ctx, rcode, xcode, text);
    free(text);
    return rc;
}

/* rec_addheader - record an appended header */
static int
rec_addheader(SMFICTX *ctx, const char *name, const char *value)
{
    return add(ctx, "addheader", name, value, -1);
}

/* rec_insheader - record an inserted header */
static int
rec_insheader(SMFICTX *ctx, int idx, const char *name, const char *value)
{
    return add(ctx, "insheader", name, value, idx);
}

/* rec_chgheader - record a changed (value NULL: deleted) header */
static int
rec_chgheader(SMFICTX *ctx, const char *name, int idx, const char *value)
{
    return add(ctx, "chgheader", name, value, idx);
}

/* rec_addrcpt - record an added recipient */
static int
rec_addrcpt(SMFICTX *ctx, const char *rcpt, const char *args)
{
    return add(ctx, "addrcpt", rcpt, args, -1);
}

/* rec_delrcpt - record a deleted recipient */
static int
rec_delrcpt(SMFICTX *ctx, const char *rcpt)
{
    return add(ctx, "delrcpt", rcpt, NULL, -1);
}

/* rec_replacebody - append to the recorded replacement body */
static int
rec_replacebody(SMFICTX *ctx, const unsigned char *body, size_t len)
{
    struct record_action *a = NULL;
    unsigned char *bigger;
    size_t i;

    if (ctx->refuse)
        return MI_FAILURE;
    for (i = 0; i < ctx->nacts; i++)
        if (strcmp(ctx->acts[i].op, "replacebody") == 0)
            a = &ctx->acts[i];
    if (a == NULL) {
        if (add(ctx, "replacebody", NULL, NULL, -1) != MI_SUCCESS)
            return MI_FAILURE;
        a = &ctx->acts[ctx->nacts - 1];
    }
    bigger = realloc(a->bytes, a->len + len + 1);
    if (bigger == NULL)
        return MI_FAILURE;
    memcpy(bigger + a->len, body, len);
    a->bytes = bigger;
    a->len += len;
    a->bytes[a->len] = '\0';
    return MI_SUCCESS;
}

/* rec_chgfrom - record a changed sender */
static int
rec_chgfrom(SMFICTX *ctx, const char *from, const char *args)
{
    return add(ctx, "chgfrom", from, args, -1);
}

/* rec_quarantine - record a quarantine request */
static int
rec_quarantine(SMFICTX *ctx, const char *reason)
{
    return add(ctx, "quarantine", reason, NULL, -1);
}

/* rec_progress - record a progress notice */
static int
rec_progress(SMFICTX *ctx)
{
    return add(ctx, "progress", NULL, NULL, -1);
}

/* rec_setsymlist - record a macro list request */
static int
rec_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
    return add(ctx, "setsymlist", NULL, macros, stage);
}

const struct mta_backend record_backend = {
    rec_getpriv, rec_setpriv, rec_getsymval, rec_setreply, rec_setmlreply,
    rec_addheader, rec_insheader, rec_chgheader, rec_addrcpt, rec_delrcpt,
    rec_replacebody, rec_chgfrom, rec_quarantine, rec_progress,
    rec_setsymlist
};
