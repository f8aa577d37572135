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
    int pinned;         /* set by the caller: defaults leave it alone */
};

struct record {
    struct record_macro *macros;
    size_t nmacros;
    struct record_action *acts;
    size_t nacts, cap;
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

/* record_new - an empty recording backend */
struct record *
record_new(void)
{
    return calloc(1, sizeof(struct record));
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
record_clear(struct record *r)
{
    size_t i;

    for (i = 0; i < r->nacts; i++)
        free_action(&r->acts[i]);
    r->nacts = 0;
}

/* record_free - release a recorder, its macros and actions */
void
record_free(struct record *r)
{
    size_t i;

    if (r == NULL)
        return;
    record_clear(r);
    free(r->acts);
    for (i = 0; i < r->nmacros; i++) {
        free(r->macros[i].name);
        free(r->macros[i].value);
    }
    free(r->macros);
    free(r);
}

/* find_macro - the macro of that name (with or without braces), or NULL */
static struct record_macro *
find_macro(const struct record *r, const char *name)
{
    char buf[256];
    const char *bare = bare_name(name, buf, sizeof buf);
    size_t i;

    for (i = 0; i < r->nmacros; i++)
        if (strcmp(r->macros[i].name, bare) == 0)
            return &r->macros[i];
    return NULL;
}

/* put_macro - set or replace a macro; a pinned one only if pin is set */
static int
put_macro(struct record *r, const char *name, const char *value, int pin)
{
    char buf[256];
    struct record_macro *m = find_macro(r, name);
    char *v;

    if (m != NULL) {
        if (m->pinned && !pin)
            return 0;
        v = strdup(value);
        if (v == NULL)
            return -1;
        free(m->value);
        m->value = v;
        m->pinned |= pin;
        return 0;
    }
    m = realloc(r->macros, (r->nmacros + 1) * sizeof *m);
    if (m == NULL)
        return -1;
    r->macros = m;
    m += r->nmacros;
    m->name = strdup(bare_name(name, buf, sizeof buf));
    m->value = strdup(value);
    m->pinned = pin;
    if (m->name == NULL || m->value == NULL) {
        free(m->name);
        free(m->value);
        return -1;
    }
    r->nmacros++;
    return 0;
}

/* record_set_macro - the caller's macro ("i" and "{i}" are one): set or
 * replaced, and kept over any default */
int
record_set_macro(struct record *r, const char *name, const char *value)
{
    return put_macro(r, name, value, 1);
}

/* record_default_macro - a default macro, unless the caller set it */
int
record_default_macro(struct record *r, const char *name, const char *value)
{
    return put_macro(r, name, value, 0);
}

/* record_count - how many actions were recorded */
size_t
record_count(const struct record *r)
{
    return r->nacts;
}

/* record_get - the i-th recorded action */
const struct record_action *
record_get(const struct record *r, size_t i)
{
    return i < r->nacts ? &r->acts[i] : NULL;
}

/* add - append an action; MI_FAILURE if out of memory */
static int
add(struct record *r, const char *op, const char *name, const char *value,
    long idx)
{
    struct record_action *a;

    if (r->nacts == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct record_action *bigger = realloc(r->acts, cap * sizeof *a);
        if (bigger == NULL)
            return MI_FAILURE;
        r->acts = bigger;
        r->cap = cap;
    }
    a = &r->acts[r->nacts];
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
    r->nacts++;
    return MI_SUCCESS;
}

/* rec_getsymval - a macro, by name with or without braces */
static const char *
rec_getsymval(void *ctx, const char *name)
{
    const struct record_macro *m = find_macro(ctx, name);

    return m != NULL ? m->value : NULL;
}

/* rec_setreply - record "rcode xcode text", the text as the client reads
 * it (the MTA undoes libmilter's "%%") */
static int
rec_setreply(void *ctx, const char *rcode, const char *xcode,
             const char *text)
{
    struct record *r = ctx;
    int rc = add(r, "setreply", rcode, text, -1);

    if (rc != MI_SUCCESS)
        return rc;
    if (r->acts[r->nacts - 1].value != NULL)
        reply_unescape(r->acts[r->nacts - 1].value);
    if (xcode != NULL &&
        (r->acts[r->nacts - 1].xcode = strdup(xcode)) == NULL)
        return MI_FAILURE;
    return rc;
}

/* rec_setmlreply - record a multi-line reply, lines joined by "\n" */
static int
rec_setmlreply(void *ctx, const char *rcode, const char *xcode, int nlines,
               const char *const *lines)
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
rec_addheader(void *ctx, const char *name, const char *value)
{
    return add(ctx, "addheader", name, value, -1);
}

/* rec_insheader - record an inserted header */
static int
rec_insheader(void *ctx, int idx, const char *name, const char *value)
{
    return add(ctx, "insheader", name, value, idx);
}

/* rec_chgheader - record a changed (value NULL: deleted) header */
static int
rec_chgheader(void *ctx, const char *name, int idx, const char *value)
{
    return add(ctx, "chgheader", name, value, idx);
}

/* rec_addrcpt - record an added recipient */
static int
rec_addrcpt(void *ctx, const char *rcpt, const char *args)
{
    return add(ctx, "addrcpt", rcpt, args, -1);
}

/* rec_delrcpt - record a deleted recipient */
static int
rec_delrcpt(void *ctx, const char *rcpt)
{
    return add(ctx, "delrcpt", rcpt, NULL, -1);
}

/* rec_replacebody - append to the recorded replacement body */
static int
rec_replacebody(void *ctx, const unsigned char *body, size_t len)
{
    struct record *r = ctx;
    struct record_action *a = NULL;
    unsigned char *bigger;
    size_t i;

    for (i = 0; i < r->nacts; i++)
        if (strcmp(r->acts[i].op, "replacebody") == 0)
            a = &r->acts[i];
    if (a == NULL) {
        if (add(r, "replacebody", NULL, NULL, -1) != MI_SUCCESS)
            return MI_FAILURE;
        a = &r->acts[r->nacts - 1];
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
rec_chgfrom(void *ctx, const char *from, const char *args)
{
    return add(ctx, "chgfrom", from, args, -1);
}

/* rec_quarantine - record a quarantine request */
static int
rec_quarantine(void *ctx, const char *reason)
{
    return add(ctx, "quarantine", reason, NULL, -1);
}

/* rec_progress - record a progress notice */
static int
rec_progress(void *ctx)
{
    return add(ctx, "progress", NULL, NULL, -1);
}

/* rec_setsymlist - record a macro list request */
static int
rec_setsymlist(void *ctx, int stage, const char *macros)
{
    return add(ctx, "setsymlist", NULL, macros, stage);
}

static const struct mta_ops record_ops = {
    rec_getsymval, rec_setreply, rec_setmlreply, rec_addheader,
    rec_insheader, rec_chgheader, rec_addrcpt, rec_delrcpt, rec_replacebody,
    rec_chgfrom, rec_quarantine, rec_progress, rec_setsymlist
};

/* record_mta - the backend that records into r */
struct mta
record_mta(struct record *r)
{
    struct mta m;

    m.ops = &record_ops;
    m.ctx = r;
    return m;
}
