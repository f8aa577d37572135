/*
 * reply.h - validation of SMTP replies a policy sets with setreply.
 *
 * rcode: three digits starting with 4 or 5.  xcode: absent or class.subject.
 * detail whose class matches the rcode's first digit.  Text lines: at most
 * 32, each at most REPLY_MAX_LINE bytes, no CR, LF or NUL, every '%' doubled
 * (sendmail treats a lone '%' as a format directive).
 */
#ifndef LUAMILTER_REPLY_H
#define LUAMILTER_REPLY_H

#include <stddef.h>

#define REPLY_MAX_LINES 32
#define REPLY_MAX_LINE 980

int reply_check_code(const char *rcode, const char *xcode, char *err,
                     size_t errlen);
int reply_check_line(const char *text, size_t len, char *err, size_t errlen);

#endif
