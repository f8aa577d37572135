/*
 * listen.h - luamilter's own listening sockets.
 *
 * luamilter opens every socket itself and hands it to libmilter as fd:N.
 * inet: and inet6: sockets get TCP_NODELAY (inherited by accepted sockets
 * on Linux, so libmilter's small replies are not held back by Nagle's
 * algorithm).  A unix socket is bound with no permissions, given to its
 * owner and group, chmod'ed, and only then listens, so nobody else can
 * connect in between; its path may use all of sun_path (107 bytes, where
 * libmilter stops at 106).  Owning the socket also lets SIGTERM stop new
 * connections at once.
 */
#ifndef LUAMILTER_LISTEN_H
#define LUAMILTER_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

int listen_inet(const char *spec, int backlog, char *err, size_t errlen);
int listen_unix(const char *path, int mode, uid_t uid, gid_t gid,
                const char *who, int backlog, char *err, size_t errlen);
void listen_stop(int fd);

#endif
