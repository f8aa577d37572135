/*
 * redis_url.h - the `redis = URL` config value: where the Redis server is.
 *
 *   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]    HOST an IPv4 literal or a
 *                                                 bracketed IPv6 one
 *   unix:/PATH[?db=N][&password=P][&user=U]
 *
 * Host names are refused: hiredis resolves them with getaddrinfo outside
 * its connect timeout, so a slow resolver would stall a callback past
 * redis_timeout.  The password (and user) may be %XX-encoded.  Errors name
 * the part that is wrong and never repeat the password.
 */
#ifndef LUAMILTER_REDIS_URL_H
#define LUAMILTER_REDIS_URL_H

#include <stddef.h>

#define REDIS_URL_DEFAULT_PORT 6379

enum redis_transport {
    REDIS_TCP = 0,
    REDIS_UNIX
};

struct redis_target {
    int transport;              /* enum redis_transport */
    char host[64];              /* TCP: the IP literal, without brackets */
    int port;                   /* TCP */
    char path[108];             /* unix: the socket path (sun_path size) */
    char user[128];             /* "" = the default user */
    char password[512];
    int has_password;           /* send AUTH on each new connection */
    int db;                     /* send SELECT when not 0 */
    char label[192];            /* for logs and errors, never the password */
};

int redis_url_parse(const char *url, struct redis_target *t, char *err,
                    size_t errlen);

#endif
