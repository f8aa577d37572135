/*
 * sockspec.c - validation of libmilter socket specs (see sockspec.h).
 */
#include "sockspec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

/* has_prefix - whether s starts with p */
static int
has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* sockspec_unix_path - the file path of a unix spec, NULL for others */
const char *
sockspec_unix_path(const char *spec)
{
    if (has_prefix(spec, "unix:"))
        return spec + 5;
    if (has_prefix(spec, "local:"))
        return spec + 6;
    if (spec[0] == '/')
        return spec;
    return NULL;
}

/* check_port - a decimal port 1-65535 or a service name */
static int
check_port(const char *p, size_t len, char *err, size_t errlen)
{
    size_t i;
    int digits = 1;
    long v;
    char buf[16];

    if (len == 0) {
        snprintf(err, errlen, "missing port");
        return -1;
    }
    for (i = 0; i < len; i++) {
        if (!isdigit((unsigned char)p[i]))
            digits = 0;
        if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_') {
            snprintf(err, errlen, "bad character in port '%.*s'", (int)len, p);
            return -1;
        }
    }
    if (!digits)
        return 0;
    if (len > 5) {
        snprintf(err, errlen, "port '%.*s' out of range 1-65535", (int)len, p);
        return -1;
    }
    memcpy(buf, p, len);
    buf[len] = '\0';
    v = strtol(buf, NULL, 10);
    if (v < 1 || v > 65535) {
        snprintf(err, errlen, "port '%s' out of range 1-65535", buf);
        return -1;
    }
    return 0;
}

/* check_host - a host name, an address, or a bracketed address */
static int
check_host(const char *h, int v6, char *err, size_t errlen)
{
    char buf[256];
    unsigned char addr[16];
    size_t len = strlen(h);
    const char *p;

    if (len == 0) {
        snprintf(err, errlen, "empty host after '@'");
        return -1;
    }
    if (len >= sizeof buf) {
        snprintf(err, errlen, "host name too long");
        return -1;
    }
    if (h[0] == '[') {
        if (h[len - 1] != ']') {
            snprintf(err, errlen, "unterminated '[' in host '%s'", h);
            return -1;
        }
        memcpy(buf, h + 1, len - 2);
        buf[len - 2] = '\0';
        if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, addr) != 1) {
            snprintf(err, errlen, "bad IPv%d address '%s'", v6 ? 6 : 4, buf);
            return -1;
        }
        return 0;
    }
    for (p = h; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
            *p != '_' && !(v6 && *p == ':')) {
            snprintf(err, errlen, "bad character '%c' in host '%s'", *p, h);
            return -1;
        }
    }
    return 0;
}

/* check_inet - PORT[@HOST] after the inet: or inet6: prefix */
static int
check_inet(const char *rest, int v6, char *err, size_t errlen)
{
    const char *at = strchr(rest, '@');
    size_t plen = at != NULL ? (size_t)(at - rest) : strlen(rest);

    if (check_port(rest, plen, err, errlen) < 0)
        return -1;
    if (at != NULL && check_host(at + 1, v6, err, errlen) < 0)
        return -1;
    return 0;
}

/* sockspec_check - validate a spec; 0 and its kind, or -1 and a message */
int
sockspec_check(const char *spec, int *kind, char *err, size_t errlen)
{
    const char *path;
    int k;

    if (spec == NULL || spec[0] == '\0') {
        snprintf(err, errlen, "empty socket spec");
        return -1;
    }
    if ((path = sockspec_unix_path(spec)) != NULL) {
        struct sockaddr_un sun;
        if (path[0] == '\0') {
            snprintf(err, errlen, "socket '%s': empty path", spec);
            return -1;
        }
        if (path[0] != '/') {
            snprintf(err, errlen, "socket '%s': the path must be absolute "
                     "(start with '/'), as the MTA names it", spec);
            return -1;
        }
        if (strlen(path) >= sizeof sun.sun_path) {
            snprintf(err, errlen, "socket '%s': path longer than %zu bytes",
                     spec, sizeof sun.sun_path - 1);
            return -1;
        }
        k = SOCK_UNIX;
    } else if (has_prefix(spec, "inet:")) {
        char sub[200];
        if (check_inet(spec + 5, 0, sub, sizeof sub) < 0) {
            snprintf(err, errlen, "socket '%s': %s", spec, sub);
            return -1;
        }
        k = SOCK_INET;
    } else if (has_prefix(spec, "inet6:")) {
        char sub[200];
        if (check_inet(spec + 6, 1, sub, sizeof sub) < 0) {
            snprintf(err, errlen, "socket '%s': %s", spec, sub);
            return -1;
        }
        k = SOCK_INET6;
    } else if (has_prefix(spec, "fd:")) {
        const char *p = spec + 3;
        if (*p == '\0' || strspn(p, "0123456789") != strlen(p) ||
            strlen(p) > 6) {
            snprintf(err, errlen, "socket '%s': fd: needs a descriptor number",
                     spec);
            return -1;
        }
        k = SOCK_FD;
    } else if (strcmp(spec, "systemd") == 0) {
        k = SOCK_SYSTEMD;
    } else {
        snprintf(err, errlen,
                 "socket '%s': unknown type (use unix:/path, local:/path, "
                 "inet:PORT@HOST, inet6:PORT@HOST, fd:N or systemd)", spec);
        return -1;
    }
    if (kind != NULL)
        *kind = k;
    return 0;
}
