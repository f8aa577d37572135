/*
 * sockspec.h - checks libmilter socket specs before libmilter sees them.
 *
 * Accepted: unix:/path, local:/path, /path, inet:PORT[@HOST], inet6:PORT[@HOST],
 * fd:N.  libmilter itself reports a bad spec only when smfi_main runs; this
 * gives a clear message at startup instead.
 */
#ifndef LUAMILTER_SOCKSPEC_H
#define LUAMILTER_SOCKSPEC_H

#include <stddef.h>

enum sockspec_kind {
    SOCK_UNIX,
    SOCK_INET,
    SOCK_INET6,
    SOCK_FD,
    SOCK_SYSTEMD        /* the socket systemd passes (socket activation) */
};

int sockspec_check(const char *spec, int *kind, char *err, size_t errlen);
const char *sockspec_unix_path(const char *spec);

#endif
