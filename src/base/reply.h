/*
 * reply.h - validation of SMTP replies a policy sets with setreply.
 *
 * rcode: three digits starting with 4 or 5.  xcode: absent or class.subject.
 * detail whose class matches the rcode's first digit.  Text lines: at most
 * 32, no CR, LF or NUL.  Text is literal: sendmail reads it as a format, so
 * every '%' is doubled on its way to libmilter (reply_escape) and the MTA
 * turns "%%" back into "%" for the client; a line may be REPLY_MAX_LINE
 * bytes long once doubled.
 */
#ifndef LUAMILTER_REPLY_H
#define LUAMILTER_REPLY_H

#include <stddef.h>

#define REPLY_MAX_LINES 32
#define REPLY_MAX_LINE 980

/* a whole one-line reply given as text ("451 4.3.0 Try again later") */
struct fixed_reply {
    char rcode[4];                      /* "" when unset */
    char xcode[16];                     /* "" when absent */
    char text[REPLY_MAX_LINE + 1];      /* literal, "" when absent */
};

int reply_check_code(const char *rcode, const char *xcode, char *err,
                     size_t errlen);
int reply_check_line(const char *text, size_t len, char *err, size_t errlen);
size_t reply_escaped_len(const char *text, size_t len);
size_t reply_escape(const char *text, size_t len, char *out);
void reply_unescape(char *text);
int reply_parse(const char *spec, struct fixed_reply *out, char *err,
                size_t errlen);

#endif
