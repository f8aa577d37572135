/*
 * event.c - building callback arguments (see event.h).
 */
#include "event.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* str_arg - a NUL-terminated string as an argument (NULL: nil) */
static void
str_arg(struct ev_arg *a, const char *s)
{
    a->kind = s != NULL ? EV_STR : EV_NIL;
    a->s = s;
    a->len = s != NULL ? strlen(s) : 0;
}

/* event_none - no arguments (data, eoh, eom, abort, close) */
void
event_none(struct event *ev)
{
    memset(ev, 0, sizeof *ev);
}

/* event_str - one string (helo, unknown) */
void
event_str(struct event *ev, const char *s)
{
    event_none(ev);
    ev->argc = 1;
    str_arg(&ev->argv[0], s);
}

/* event_bytes - one byte string, NULs kept (body) */
void
event_bytes(struct event *ev, const void *bytes, size_t len)
{
    event_none(ev);
    ev->argc = 1;
    ev->argv[0].kind = EV_STR;
    ev->argv[0].s = bytes != NULL ? (const char *)bytes : "";
    ev->argv[0].len = bytes != NULL ? len : 0;
}

/* event_header - a header's name and value */
void
event_header(struct event *ev, const char *name, const char *value)
{
    event_none(ev);
    ev->argc = 2;
    str_arg(&ev->argv[0], name);
    str_arg(&ev->argv[1], value);
}

/* event_argv - an envelope address, then its ESMTP parameters (envfrom,
 * envrcpt); argv is NULL-terminated and must outlive the event */
void
event_argv(struct event *ev, char **argv)
{
    event_none(ev);
    ev->argc = 1;
    str_arg(&ev->argv[0], argv != NULL ? argv[0] : NULL);
    ev->strv = argv != NULL && argv[0] != NULL ? argv + 1 : NULL;
}

/* event_negotiate - the MTA's four offered words */
void
event_negotiate(struct event *ev, const unsigned long offer[4])
{
    int i;

    event_none(ev);
    ev->argc = 4;
    for (i = 0; i < 4; i++) {
        ev->argv[i].kind = EV_INT;
        ev->argv[i].i = (long long)offer[i];
    }
}

/* event_connect_sa - connect(hostname, family, hostaddr) from a socket
 * address as libmilter gives it (NULL: family unknown); the address text
 * is kept in the event */
void
event_connect_sa(struct event *ev, const char *host, const struct sockaddr *sa)
{
    event_none(ev);
    ev->argc = 3;
    str_arg(&ev->argv[0], host);
    str_arg(&ev->argv[1], "unknown");
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, ev->text, sizeof ev->text);
        str_arg(&ev->argv[1], "inet");
        ev->argv[2].kind = EV_ADDR;
        ev->argv[2].s = ev->text;
        ev->argv[2].i = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ev->text, sizeof ev->text);
        str_arg(&ev->argv[1], "inet6");
        ev->argv[2].kind = EV_ADDR6;
        ev->argv[2].s = ev->text;
        ev->argv[2].i = ntohs(in6->sin6_port);
        ev->argv[2].flowinfo = ntohl(in6->sin6_flowinfo);
        ev->argv[2].scope_id = in6->sin6_scope_id;
    } else if (sa->sa_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
        size_t n = strnlen(un->sun_path, sizeof un->sun_path);
        memcpy(ev->text, un->sun_path, n);
        ev->text[n] = '\0';
        str_arg(&ev->argv[1], "unix");
        ev->argv[2].kind = EV_STR;
        ev->argv[2].s = ev->text;
        ev->argv[2].len = n;
    }
}

/* event_connect - connect(hostname, family, hostaddr) from words: family
 * "inet", "inet6" (with its flow info and scope id), "unix" or "unknown",
 * addr an IP address (its text as libmilter would give it back) or a
 * socket path; 0, or -1 and why */
int
event_connect(struct event *ev, const char *host, const char *family,
              const char *addr, long port, unsigned long flowinfo,
              unsigned long scope_id, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    struct sockaddr_un *un = (struct sockaddr_un *)&ss;

    memset(&ss, 0, sizeof ss);
    if (port < 0 || port > 65535) {
        snprintf(err, errlen, "port %ld is not 0..65535", port);
        return -1;
    }
    if (strcmp(family, "inet") == 0) {
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)port);
        if (addr == NULL || inet_pton(AF_INET, addr, &in->sin_addr) != 1) {
            snprintf(err, errlen, "not an IPv4 address");
            return -1;
        }
    } else if (strcmp(family, "inet6") == 0) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((unsigned short)port);
        in6->sin6_flowinfo = htonl((uint32_t)flowinfo);
        in6->sin6_scope_id = (uint32_t)scope_id;
        if (addr == NULL || inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1) {
            snprintf(err, errlen, "not an IPv6 address");
            return -1;
        }
    } else if (strcmp(family, "unix") == 0) {
        un->sun_family = AF_UNIX;
        if (addr == NULL || strlen(addr) >= sizeof un->sun_path) {
            snprintf(err, errlen, "socket path too long (at most %zu "
                     "bytes)", sizeof un->sun_path - 1);
            return -1;
        }
        memcpy(un->sun_path, addr, strlen(addr) + 1);
    } else if (strcmp(family, "unknown") == 0) {
        event_connect_sa(ev, host, NULL);
        return 0;
    } else {
        snprintf(err, errlen, "family '%s' is not inet, inet6, unix or "
                 "unknown", family);
        return -1;
    }
    event_connect_sa(ev, host, (const struct sockaddr *)&ss);
    return 0;
}
