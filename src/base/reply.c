/*
 * reply.c - SMTP reply validation (see reply.h).
 */
#include "reply.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* digits_run - length of a run of 1..max digits at p, 0 if none or longer */
static size_t
digits_run(const char *p, size_t max)
{
    size_t n = 0;

    while (isdigit((unsigned char)p[n]))
        n++;
    return n > max ? 0 : n;
}

/* reply_check_code - validate rcode and the optional xcode */
int
reply_check_code(const char *rcode, const char *xcode, char *err,
                 size_t errlen)
{
    size_t n;
    const char *p;

    if (rcode == NULL || strlen(rcode) != 3 || digits_run(rcode, 3) != 3 ||
        (rcode[0] != '4' && rcode[0] != '5')) {
        snprintf(err, errlen,
                 "reply code '%.20s' is not a 4xx or 5xx SMTP code",
                 rcode != NULL ? rcode : "(nil)");
        return -1;
    }
    if (xcode == NULL)
        return 0;
    p = xcode;
    if (p[0] != rcode[0] || p[1] != '.') {
        snprintf(err, errlen,
                 "extended code '%.20s' must look like %c.X.Y to match "
                 "reply code %s", xcode, rcode[0], rcode);
        return -1;
    }
    p += 2;
    n = digits_run(p, 3);
    if (n == 0 || p[n] != '.') {
        snprintf(err, errlen, "extended code '%.20s' is not class.subject.detail",
                 xcode);
        return -1;
    }
    p += n + 1;
    n = digits_run(p, 3);
    if (n == 0 || p[n] != '\0') {
        snprintf(err, errlen, "extended code '%.20s' is not class.subject.detail",
                 xcode);
        return -1;
    }
    return 0;
}

/* reply_escaped_len - the length of text once every '%' is doubled */
size_t
reply_escaped_len(const char *text, size_t len)
{
    size_t i, n = len;

    for (i = 0; i < len; i++)
        if (text[i] == '%')
            n++;
    return n;
}

/* reply_check_line - validate one line of reply text, taken literally */
int
reply_check_line(const char *text, size_t len, char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c == '\r' || c == '\n') {
            snprintf(err, errlen,
                     "reply text contains %s (pass more lines as more "
                     "arguments instead)", c == '\r' ? "CR" : "LF");
            return -1;
        }
        if (c == '\0') {
            snprintf(err, errlen, "reply text contains a NUL byte");
            return -1;
        }
    }
    if (reply_escaped_len(text, len) > REPLY_MAX_LINE) {
        snprintf(err, errlen, "reply text longer than %d bytes (a '%%' "
                 "counts twice: it is doubled for libmilter)", REPLY_MAX_LINE);
        return -1;
    }
    return 0;
}

/* reply_escape - copy text with every '%' doubled into out, which holds
 * reply_escaped_len(text, len) + 1 bytes; returns the length written */
size_t
reply_escape(const char *text, size_t len, char *out)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        out[n++] = text[i];
        if (text[i] == '%')
            out[n++] = '%';
    }
    out[n] = '\0';
    return n;
}

/* reply_unescape - undo reply_escape in place ("%%" becomes "%"), as the
 * MTA does before the client sees the text */
void
reply_unescape(char *text)
{
    char *r = text, *w = text;

    while (*r != '\0') {
        *w++ = *r;
        r += (r[0] == '%' && r[1] == '%') ? 2 : 1;
    }
    *w = '\0';
}

/* reply_parse - "CODE [X.Y.Z] [TEXT]" into out, each part checked as
 * setreply checks it; -1 and a message if it is not a valid reply */
int
reply_parse(const char *spec, struct fixed_reply *out, char *err,
            size_t errlen)
{
    const char *p = spec, *text;
    size_t n;

    memset(out, 0, sizeof *out);
    n = strcspn(p, " \t");
    if (n >= sizeof out->rcode) {
        snprintf(err, errlen, "reply code '%.*s' is not a 4xx or 5xx SMTP "
                 "code (expected CODE [X.Y.Z] [TEXT])", (int)(n > 20 ? 20 : n),
                 p);
        return -1;
    }
    memcpy(out->rcode, p, n);
    p += n + strspn(p + n, " \t");
    n = strcspn(p, " \t");
    if (isdigit((unsigned char)p[0]) && p[1] == '.' && n < sizeof out->xcode) {
        memcpy(out->xcode, p, n);               /* looks like an X.Y.Z */
        p += n + strspn(p + n, " \t");
    }
    if (reply_check_code(out->rcode, out->xcode[0] ? out->xcode : NULL, err,
                         errlen) < 0)
        return -1;
    text = p;
    n = strlen(text);
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    if (reply_check_line(text, n, err, errlen) < 0)
        return -1;
    memcpy(out->text, text, n);
    out->text[n] = '\0';
    return 0;
}
