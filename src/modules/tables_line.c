/*
 * tables_line.c - Postfix's logical lines from a buffer (tables_line.h).
 */
#include "tables_line.h"

#include <stdlib.h>
#include <string.h>

/* tline_init - read logical lines from text[0..len) */
void
tline_init(struct tline *t, const char *text, size_t len)
{
    t->p = text;
    t->end = text + len;
    t->lineno = 0;
    t->buf = NULL;
    t->len = 0;
    t->cap = 0;
}

/* append - add n bytes to the line buffer; -1 when out of memory */
static int
append(struct tline *t, const char *s, size_t n)
{
    if (t->cap - t->len < n + 1) {
        size_t cap = t->cap ? t->cap : 256;
        char *bigger;

        while (cap - t->len < n + 1)
            cap *= 2;
        bigger = realloc(t->buf, cap);
        if (bigger == NULL)
            return -1;
        t->buf = bigger;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return 0;
}

/* is_ignored - whether line[0..n) is blank or a comment */
static int
is_ignored(const char *line, size_t n)
{
    size_t i = 0;

    while (i < n && tline_isspace((unsigned char)line[i]))
        i++;
    return i == n || line[i] == '#';
}

/* tline_next - the next logical line into t->buf (t->len bytes); *first is
 * the number of its first non-blank physical line.  TLINE_ORPHAN: the
 * line starts with white space (nothing to continue); it is consumed. */
enum tline_status
tline_next(struct tline *t, int *first)
{
    t->len = 0;
    if (append(t, "", 0) < 0)
        return TLINE_NOMEM;
    for (;;) {
        const char *nl, *start = t->p;
        size_t n;
        int eof;

        if (t->p >= t->end)
            break;
        nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
        eof = nl == NULL;
        n = eof ? (size_t)(t->end - t->p) : (size_t)(nl - t->p);
        t->p = eof ? t->end : nl + 1;
        t->lineno++;
        if (!is_ignored(start, n)) {
            if (t->len == 0)
                *first = t->lineno;
            if (append(t, start, n) < 0)
                return TLINE_NOMEM;
        }
        if (eof)
            break;
        /* a line that starts with white space or '#' may continue this one */
        if (t->len > 0 && (t->p >= t->end
                           || (*t->p != '#'
                               && !tline_isspace((unsigned char)*t->p))))
            break;
    }
    if (t->len == 0)
        return TLINE_END;
    return tline_isspace((unsigned char)t->buf[0]) ? TLINE_ORPHAN : TLINE_LINE;
}

/* tline_free - release the line buffer */
void
tline_free(struct tline *t)
{
    free(t->buf);
    t->buf = NULL;
    t->len = t->cap = 0;
}

/* tline_trim_end - cut trailing white space off s; returns s */
char *
tline_trim_end(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && tline_isspace((unsigned char)s[n - 1]))
        n--;
    s[n] = '\0';
    return s;
}
