/*
 * message.h - an RFC 5322 message split the way an MTA hands it to a milter.
 *
 * Headers keep their folding (continuation lines joined with "\n", leading
 * white space kept) and the raw text after the colon; the body is the rest
 * with line ends made CRLF, NUL bytes kept.
 */
#ifndef LUAMILTER_MESSAGE_H
#define LUAMILTER_MESSAGE_H

#include <stddef.h>

struct message_header {
    char *name;
    char *value;        /* everything after ':' (leading space included) */
};

struct message {
    struct message_header *hdrs;
    size_t nhdrs;
    unsigned char *body;
    size_t bodylen;
};

int message_parse(const unsigned char *buf, size_t len, struct message *m,
                  char *err, size_t errlen);
void message_free(struct message *m);
const char *message_header(const struct message *m, const char *name);
size_t message_addresses(const char *value, char ***out);

#endif
