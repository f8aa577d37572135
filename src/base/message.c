/*
 * message.c - splitting a stored message into headers and body (message.h).
 */
#include "message.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* line_end - index just past the next LF (or len) from pos */
static size_t
line_end(const unsigned char *buf, size_t len, size_t pos)
{
    const unsigned char *nl = memchr(buf + pos, '\n', len - pos);

    return nl != NULL ? (size_t)(nl - buf) + 1 : len;
}

/* content_len - a line's length without its CR LF */
static size_t
content_len(const unsigned char *line, size_t n)
{
    if (n > 0 && line[n - 1] == '\n')
        n--;
    if (n > 0 && line[n - 1] == '\r')
        n--;
    return n;
}

/* field_name_len - the length of the field name line[0..n) starts with
 * ("name:"), 0 if it starts with none */
static size_t
field_name_len(const unsigned char *line, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (line[i] == ':')
            return i > 0 ? i : 0;
        if (line[i] < 33 || line[i] > 126)
            return 0;
    }
    return 0;
}

/* append_value - add a continuation line to the last header */
static int
append_value(struct message_header *h, const unsigned char *line, size_t n)
{
    size_t old = strlen(h->value);
    char *v = realloc(h->value, old + n + 2);

    if (v == NULL)
        return -1;
    v[old] = '\n';
    memcpy(v + old + 1, line, n);
    v[old + 1 + n] = '\0';
    h->value = v;
    return 0;
}

/* add_header - start a new header from "name:value" */
static int
add_header(struct message *m, const unsigned char *line, size_t n,
           size_t namelen)
{
    struct message_header *h;

    h = realloc(m->hdrs, (m->nhdrs + 1) * sizeof *h);
    if (h == NULL)
        return -1;
    m->hdrs = h;
    h = &m->hdrs[m->nhdrs];
    h->name = malloc(namelen + 1);
    h->value = malloc(n - namelen);
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        return -1;
    }
    memcpy(h->name, line, namelen);
    h->name[namelen] = '\0';
    memcpy(h->value, line + namelen + 1, n - namelen - 1);
    h->value[n - namelen - 1] = '\0';
    m->nhdrs++;
    return 0;
}

/* set_body - the rest of the message with every line ending in CRLF */
static int
set_body(struct message *m, const unsigned char *p, size_t len)
{
    size_t i, o = 0;

    m->body = malloc(2 * len + 1);
    if (m->body == NULL)
        return -1;
    for (i = 0; i < len; i++) {
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            m->body[o++] = '\r';
        m->body[o++] = p[i];
    }
    m->body[o] = '\0';
    m->bodylen = o;
    return 0;
}

/* message_parse - split buf into headers and body */
int
message_parse(const unsigned char *buf, size_t len, struct message *m,
              char *err, size_t errlen)
{
    size_t pos = 0;

    memset(m, 0, sizeof *m);
    if (len >= 5 && memcmp(buf, "From ", 5) == 0)    /* mbox separator */
        pos = line_end(buf, len, 0);
    while (pos < len) {
        size_t end = line_end(buf, len, pos);
        const unsigned char *line = buf + pos;
        size_t n = content_len(line, end - pos);
        size_t namelen;

        if (n == 0) {                           /* blank line: body follows */
            pos = end;
            break;
        }
        if ((line[0] == ' ' || line[0] == '\t') && m->nhdrs > 0) {
            if (memchr(line, '\0', n) != NULL)
                goto nul;
            if (append_value(&m->hdrs[m->nhdrs - 1], line, n) < 0)
                goto nomem;
        } else if ((namelen = field_name_len(line, n)) > 0) {
            if (memchr(line, '\0', n) != NULL)
                goto nul;
            if (add_header(m, line, n, namelen) < 0)
                goto nomem;
        } else {
            break;                              /* not a header: body */
        }
        pos = end;
    }
    if (set_body(m, buf + pos, len - pos) < 0)
        goto nomem;
    return 0;
nul:
    snprintf(err, errlen, "a header line contains a NUL byte");
    message_free(m);
    return -1;
nomem:
    snprintf(err, errlen, "out of memory");
    message_free(m);
    return -1;
}

/* message_free - release a parsed message */
void
message_free(struct message *m)
{
    size_t i;

    for (i = 0; i < m->nhdrs; i++) {
        free(m->hdrs[i].name);
        free(m->hdrs[i].value);
    }
    free(m->hdrs);
    free(m->body);
    memset(m, 0, sizeof *m);
}

/* message_header - the first header of that name (raw value), or NULL */
const char *
message_header(const struct message *m, const char *name)
{
    size_t i;

    for (i = 0; i < m->nhdrs; i++)
        if (strcasecmp(m->hdrs[i].name, name) == 0)
            return m->hdrs[i].value;
    return NULL;
}

/* push_addr - append "<addr>" to a growing list */
static int
push_addr(char ***list, size_t *n, const char *a, size_t len)
{
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    char *s;

    if (l == NULL)
        return -1;
    *list = l;
    s = malloc(len + 3);
    if (s == NULL)
        return -1;
    s[0] = '<';
    memcpy(s + 1, a, len);
    s[len + 1] = '>';
    s[len + 2] = '\0';
    l[(*n)++] = s;
    return 0;
}

/* message_addresses - addresses of an address-list header, as "<a@b>" */
size_t
message_addresses(const char *value, char ***out)
{
    size_t n = 0;
    const char *p = value;

    *out = NULL;
    while (*p != '\0') {
        const char *start = p, *lt = NULL, *gt = NULL;
        int quoted = 0;

        while (*p != '\0' && (quoted || *p != ',')) {
            if (*p == '"')
                quoted = !quoted;
            else if (!quoted && *p == '<')
                lt = p;
            else if (!quoted && *p == '>' && lt != NULL)
                gt = p;
            p++;
        }
        if (lt != NULL && gt != NULL && gt > lt + 1) {
            if (push_addr(out, &n, lt + 1, (size_t)(gt - lt - 1)) < 0)
                break;
        } else {
            const char *a = start, *e = p;
            while (a < e && isspace((unsigned char)*a))
                a++;
            while (e > a && isspace((unsigned char)e[-1]))
                e--;
            if (memchr(a, '@', (size_t)(e - a)) != NULL &&
                memchr(a, ' ', (size_t)(e - a)) == NULL &&
                push_addr(out, &n, a, (size_t)(e - a)) < 0)
                break;
        }
        if (*p == ',')
            p++;
    }
    return n;
}
