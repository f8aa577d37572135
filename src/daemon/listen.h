/*
 * listen.h - luamilter's own TCP listening socket.
 *
 * For inet: and inet6: specs luamilter opens the socket itself, with
 * TCP_NODELAY (inherited by accepted sockets on Linux, so libmilter's small
 * replies are not held back by Nagle's algorithm) and hands it to libmilter
 * as fd:N.  Owning it also lets SIGTERM stop new connections at once.
 */
#ifndef LUAMILTER_LISTEN_H
#define LUAMILTER_LISTEN_H

#include <stddef.h>

int listen_inet(const char *spec, int backlog, char *err, size_t errlen);
void listen_stop(int fd);

#endif
