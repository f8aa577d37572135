/*
 * tables_impl.h - what tables_table.c asks of each table type
 * (tables_texthash.c, tables_cidr.c, tables_regexp.c), and helpers they
 * share.
 */
#ifndef LUAMILTER_TABLE_IMPL_H
#define LUAMILTER_TABLE_IMPL_H

#include <stddef.h>

#include "tables_table.h"

#if defined(__GNUC__)
#define TABLE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TABLE_PRINTF(f, a)
#endif

/* one table type: parse builds its structure from the file's text (a
 * NUL-free, NUL-terminated copy it may write into), counting its rules;
 * NULL and err on failure.  longest: the length past which no key can
 * match (lookups of longer keys cost nothing) */
struct table_ops {
    void *(*parse)(const char *path, char *text, size_t len, size_t *rules,
                   char *err, size_t errlen);
    size_t (*longest)(const void *impl);
    enum table_status (*lookup)(const void *impl, const char *key,
                                size_t len, struct table_answer *ans,
                                const struct table_limit *lim);
    void (*free)(void *impl);
};

extern const struct table_ops texthash_ops;
extern const struct table_ops cidr_ops;
extern const struct table_ops regexp_ops;

void table_error(char *err, size_t errlen, const char *path, int line,
                 const char *fmt, ...) TABLE_PRINTF(5, 6);

/* one logical line for a parser: line (writable, NUL-terminated) first
 * seen at lineno; 0 to go on, -1 with err set to stop */
typedef int (*table_line_fn)(void *ctx, char *line, int lineno,
                             const char *path, char *err, size_t errlen);
int table_lines(const char *path, const char *text, size_t len,
                table_line_fn fn, void *ctx, char *err, size_t errlen);
int table_answer_reserve(struct table_answer *ans, size_t n);

#endif
