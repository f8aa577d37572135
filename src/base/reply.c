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

/* reply_check_line - validate one line of reply text */
int
reply_check_line(const char *text, size_t len, char *err, size_t errlen)
{
    size_t i;

    if (len > REPLY_MAX_LINE) {
        snprintf(err, errlen, "reply text longer than %d bytes",
                 REPLY_MAX_LINE);
        return -1;
    }
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
        if (c == '%') {
            if (i + 1 < len && text[i + 1] == '%') {
                i++;
                continue;
            }
            snprintf(err, errlen, "reply text has a lone '%%' (write '%%%%')");
            return -1;
        }
    }
    return 0;
}
