/*
 * tables_line.h - Postfix's logical lines, read from a table file in memory.
 *
 * A logical line starts with non-white-space text; a following line that
 * starts with white space continues it (the newline is dropped, the
 * continuation's leading white space kept).  Empty lines, white-space-only
 * lines and lines whose first non-white-space byte is '#' are skipped,
 * also between a line and its continuation, as Postfix's readllines(3)
 * does.  Character classes are ASCII, as Postfix's ISSPACE and ISALNUM.
 *
 *   tline_init, tline_next, tline_free   iterate over the logical lines
 *   tline_isspace, tline_isalnum, tline_trim_end
 *
 * Depends on nothing but libc.
 */
#ifndef LUAMILTER_TLINE_H
#define LUAMILTER_TLINE_H

#include <stddef.h>

struct tline {
    const char *p, *end;        /* what is left of the file */
    int lineno;                 /* physical lines read so far */
    char *buf;                  /* the current logical line, NUL-terminated */
    size_t len, cap;
};

enum tline_status {
    TLINE_END = 0,              /* no more lines */
    TLINE_LINE = 1,             /* *first and t->buf/t->len hold a line */
    TLINE_ORPHAN = 2,           /* a continuation with nothing before it */
    TLINE_NOMEM = -1
};

void tline_init(struct tline *t, const char *text, size_t len);
enum tline_status tline_next(struct tline *t, int *first);
void tline_free(struct tline *t);

/* tline_isspace - Postfix's ISSPACE: ASCII white space */
static inline int
tline_isspace(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f'
           || c == '\r';
}

/* tline_isalnum - Postfix's ISALNUM: ASCII letters and digits */
static inline int
tline_isalnum(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z');
}

char *tline_trim_end(char *s);

#endif
