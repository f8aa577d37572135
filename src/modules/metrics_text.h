/*
 * metrics_text.h - writing the Prometheus text exposition format 0.0.4:
 * a growing buffer, HELP and TYPE lines, samples with escaped label
 * values, numbers in their shortest exact form.
 */
#ifndef LUAMILTER_METRICS_TEXT_H
#define LUAMILTER_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct mtext {
    char *buf;
    size_t len, cap;
    int failed;             /* out of memory: the text is incomplete */
};

/* a sample's labels: names and values, n of them */
struct mlabels {
    int n;
    const char *const *names;
    const char *const *values;
};

void mtext_init(struct mtext *t);
void mtext_free(struct mtext *t);
void mtext_put(struct mtext *t, const char *s, size_t n);
void mtext_puts(struct mtext *t, const char *s);
void mtext_family(struct mtext *t, const char *name, const char *type,
                  const char *help);
void mtext_sample(struct mtext *t, const char *name, const char *suffix,
                  const struct mlabels *lb, const char *le,
                  const char *value);
void mtext_sample_u(struct mtext *t, const char *name, const char *suffix,
                    const struct mlabels *lb, uint64_t v);
void mtext_sample_d(struct mtext *t, const char *name, const char *suffix,
                    const struct mlabels *lb, double v);
void mtext_histogram(struct mtext *t, const char *name,
                     const struct mlabels *lb, const double *bounds, int n,
                     const uint64_t *counts, const uint64_t *sum);
char *mtext_double(char *out, size_t len, double v);

#endif
