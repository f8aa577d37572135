/*
 * privs.h - who owns the socket, dropping root after it is open, and fd
 * limits.
 */
#ifndef LUAMILTER_PRIVS_H
#define LUAMILTER_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

int privs_socket_owner(const char *user, const char *group,
                       const char *group_key, uid_t *uid, gid_t *gid,
                       char *err, size_t errlen);
int privs_drop(const char *user, const char *group, char *err,
               size_t errlen);
int privs_refuse_root(uid_t euid, const char *user, int allow_root,
                      char *err, size_t errlen);
long privs_raise_nofile(long *before);

#endif
