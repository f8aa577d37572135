/*
 * metrics_text.c - the Prometheus text format writer (metrics_text.h).
 */
#include "metrics_text.h"
#include "metrics_value.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mtext_init - an empty text */
void
mtext_init(struct mtext *t)
{
    memset(t, 0, sizeof *t);
}

/* mtext_free - release the text's buffer */
void
mtext_free(struct mtext *t)
{
    free(t->buf);
    mtext_init(t);
}

/* mtext_put - append n bytes */
void
mtext_put(struct mtext *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap != 0 ? t->cap : 4096;
        char *nb;
        while (cap < t->len + n + 1)
            cap *= 2;
        nb = realloc(t->buf, cap);
        if (nb == NULL) {
            t->failed = 1;
            return;
        }
        t->buf = nb;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

/* mtext_puts - append a C string */
void
mtext_puts(struct mtext *t, const char *s)
{
    mtext_put(t, s, strlen(s));
}

/* put_escaped - append s with '\\' and newline escaped, and '"' too in a
 * label value (quote) */
static void
put_escaped(struct mtext *t, const char *s, int quote)
{
    const char *run = s;

    for (; *s != '\0'; s++) {
        const char *esc = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n"
                          : (*s == '"' && quote) ? "\\\"" : NULL;
        if (esc == NULL)
            continue;
        mtext_put(t, run, (size_t)(s - run));
        mtext_puts(t, esc);
        run = s + 1;
    }
    mtext_put(t, run, (size_t)(s - run));
}

/* mtext_family - the HELP and TYPE lines of a metric family */
void
mtext_family(struct mtext *t, const char *name, const char *type,
             const char *help)
{
    mtext_puts(t, "# HELP ");
    mtext_puts(t, name);
    mtext_puts(t, " ");
    put_escaped(t, help, 0);
    mtext_puts(t, "\n# TYPE ");
    mtext_puts(t, name);
    mtext_puts(t, " ");
    mtext_puts(t, type);
    mtext_puts(t, "\n");
}

/* put_label - name="value" */
static void
put_label(struct mtext *t, const char *name, const char *value)
{
    mtext_puts(t, name);
    mtext_puts(t, "=\"");
    put_escaped(t, value, 1);
    mtext_puts(t, "\"");
}

/* mtext_sample - one sample line: name+suffix{labels,le} value */
void
mtext_sample(struct mtext *t, const char *name, const char *suffix,
             const struct mlabels *lb, const char *le, const char *value)
{
    int i, n = lb != NULL ? lb->n : 0;

    mtext_puts(t, name);
    if (suffix != NULL)
        mtext_puts(t, suffix);
    if (n > 0 || le != NULL) {
        mtext_puts(t, "{");
        for (i = 0; i < n; i++) {
            if (i > 0)
                mtext_puts(t, ",");
            put_label(t, lb->names[i], lb->values[i]);
        }
        if (le != NULL) {
            if (n > 0)
                mtext_puts(t, ",");
            put_label(t, "le", le);
        }
        mtext_puts(t, "}");
    }
    mtext_puts(t, " ");
    mtext_puts(t, value);
    mtext_puts(t, "\n");
}

/* mtext_sample_u - a sample with an integer value */
void
mtext_sample_u(struct mtext *t, const char *name, const char *suffix,
               const struct mlabels *lb, uint64_t v)
{
    char num[32];

    snprintf(num, sizeof num, "%" PRIu64, v);
    mtext_sample(t, name, suffix, lb, NULL, num);
}

/* mtext_sample_d - a sample with a floating-point value */
void
mtext_sample_d(struct mtext *t, const char *name, const char *suffix,
               const struct mlabels *lb, double v)
{
    char num[40];

    mtext_sample(t, name, suffix, lb, NULL, mtext_double(num, sizeof num, v));
}

/* mtext_histogram - the _bucket (cumulative, with +Inf), _sum and _count
 * lines of one histogram series */
void
mtext_histogram(struct mtext *t, const char *name,
                const struct mlabels *lb, const double *bounds, int n,
                const uint64_t *counts, const uint64_t *sum)
{
    char le[40], num[32];
    uint64_t cum = 0;
    int i;

    for (i = 0; i <= n; i++) {
        cum += mv_get(&counts[i]);
        snprintf(num, sizeof num, "%" PRIu64, cum);
        mtext_sample(t, name, "_bucket", lb,
                     i < n ? mtext_double(le, sizeof le, bounds[i]) : "+Inf",
                     num);
    }
    mtext_sample_d(t, name, "_sum", lb, mv_load(sum));
    mtext_sample_u(t, name, "_count", lb, cum);
}

/* mtext_double - v in the shortest form that reads back exactly (and
 * whole numbers below 1e15 without an exponent), +Inf, -Inf or NaN */
char *
mtext_double(char *out, size_t len, double v)
{
    int prec;

    if (isnan(v)) {
        snprintf(out, len, "NaN");
        return out;
    }
    if (isinf(v)) {
        snprintf(out, len, v > 0 ? "+Inf" : "-Inf");
        return out;
    }
    for (prec = 1; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    if (strchr(out, 'e') != NULL && v == floor(v) && fabs(v) < 1e15)
        snprintf(out, len, "%.0f", v);      /* 10, not 1e+01 */
    return out;
}
