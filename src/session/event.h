/*
 * event.h - the arguments of a callback, built once for every MTA.
 *
 * The libmilter adapter (callbacks.c), the transaction driver (driver.c),
 * milter.core and the fuzz harness all describe a stage's arguments with
 * these builders, so a connect from libmilter's socket address and one
 * from a test's "inet", "192.0.2.1" reach the policy in the same form.
 */
#ifndef LUAMILTER_EVENT_H
#define LUAMILTER_EVENT_H

#include <stddef.h>

#include "engine.h"

struct sockaddr;

void event_none(struct event *ev);
void event_str(struct event *ev, const char *s);
void event_bytes(struct event *ev, const void *bytes, size_t len);
void event_header(struct event *ev, const char *name, const char *value);
void event_argv(struct event *ev, char **argv);
void event_negotiate(struct event *ev, const unsigned long offer[4]);
void event_connect_sa(struct event *ev, const char *host,
                      const struct sockaddr *sa);
int event_connect(struct event *ev, const char *host, const char *family,
                  const char *addr, long port, unsigned long flowinfo,
                  unsigned long scope_id, char *err, size_t errlen);

#endif
