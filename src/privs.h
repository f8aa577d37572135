/*
 * privs.h - dropping root after the socket is open, and fd limits.
 */
#ifndef LUAMILTER_PRIVS_H
#define LUAMILTER_PRIVS_H

#include <stddef.h>

int privs_drop(const char *user, const char *group, const char *socket_path,
               char *err, size_t errlen);
long privs_raise_nofile(void);

#endif
