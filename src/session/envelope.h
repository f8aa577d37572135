/*
 * envelope.h - what an MTA fills in around a message: the envelope and
 * the client, and the macros it sends.
 *
 * The transaction driver takes from here the sender (Return-Path, else
 * From, else <>) and the recipients (To and Cc) a message implies,
 * through message.c's one address parser; the connect arguments of a
 * client; and Postfix-like default macros: j, {daemon_name} and v for the
 * connection, _, {client_addr} and {client_name} at connect, i and
 * {mail_addr} at envfrom, {rcpt_addr} at each envrcpt.  A macro the caller
 * set (record_set_macro) is never replaced by a default.
 */
#ifndef LUAMILTER_ENVELOPE_H
#define LUAMILTER_ENVELOPE_H

#include <stddef.h>

struct driver_env;
struct event;
struct message;
struct record;

struct envelope {
    char *from;             /* bracketed */
    char **rcpts;           /* bracketed */
    size_t nrcpts;
};

int envelope_take(struct envelope *e, const struct message *m,
                  const char *from, const char *const *rcpts, size_t nrcpts,
                  void (*note)(void *ud, const char *text), void *ud);
void envelope_free(struct envelope *e);
char *envelope_bracket(const char *addr);
int envelope_connect_event(struct event *ev, const struct driver_env *env,
                           char *host, size_t hostcap, char *err,
                           size_t errlen);
void envelope_connection_macros(struct record *rec);
void envelope_client_macros(struct record *rec, const char *host,
                            const char *ip);
void envelope_sender_macros(struct record *rec, const char *queue_id,
                            const char *from);
void envelope_rcpt_macros(struct record *rec, const char *rcpt);

#endif
