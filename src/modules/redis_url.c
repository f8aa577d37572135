/*
 * redis_url.c - parse the `redis = URL` config value (see redis_url.h).
 */
#include "redis_url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* hex_digit - the value of a hex digit, -1 if c is not one */
static int
hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* decode_part - %XX-decode len bytes of s into out (size outlen, NUL
 * ended); -1 and a message naming what (e.g. "the password") if bad */
static int
decode_part(const char *s, size_t len, char *out, size_t outlen,
            const char *what, char *err, size_t errlen)
{
    size_t i, n = 0;
    int hi, lo;

    for (i = 0; i < len; i++) {
        int c = (unsigned char)s[i];

        if (c == '%') {
            hi = i + 2 < len ? hex_digit(s[i + 1]) : -1;
            lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
            if (lo < 0) {
                snprintf(err, errlen, "%s has a '%%' not followed by two hex "
                         "digits", what);
                return -1;
            }
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == '\0' || n + 1 >= outlen) {
            snprintf(err, errlen, c == '\0' ? "%s contains a NUL byte"
                     : "%s is too long", what);
            return -1;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 0;
}

/* parse_number - a decimal of at most 10 digits in [lo, hi] from s (len
 * bytes); -1 if it is not one */
static long
parse_number(const char *s, size_t len, long lo, long hi)
{
    long v = 0;
    size_t i;

    if (len == 0 || len > 10)
        return -1;
    for (i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

/* parse_userinfo - "[USER]:PASSWORD" (len bytes) into t */
static int
parse_userinfo(const char *s, size_t len, struct redis_target *t, char *err,
               size_t errlen)
{
    const char *colon = memchr(s, ':', len);

    if (colon == NULL) {
        snprintf(err, errlen, "the part before '@' needs a ':' before the "
                 "password (redis://:PASSWORD@HOST or "
                 "redis://USER:PASSWORD@HOST)");
        return -1;
    }
    if (decode_part(s, (size_t)(colon - s), t->user, sizeof t->user,
                    "the user name", err, errlen) < 0 ||
        decode_part(colon + 1, len - (size_t)(colon + 1 - s), t->password,
                    sizeof t->password, "the password", err, errlen) < 0)
        return -1;
    t->has_password = 1;
    return 0;
}

/* parse_host - HOST[:PORT] (len bytes): an IP literal, IPv6 in brackets */
static int
parse_host(const char *s, size_t len, struct redis_target *t, char *err,
           size_t errlen)
{
    const char *host = s, *rest;
    size_t hlen;
    unsigned char addr[sizeof(struct in6_addr)];
    long port;

    if (len > 0 && s[0] == '[') {
        rest = memchr(s, ']', len);
        if (rest == NULL) {
            snprintf(err, errlen, "the IPv6 address has no closing ']'");
            return -1;
        }
        host = s + 1;
        hlen = (size_t)(rest - host);
        rest++;
    } else {
        rest = memchr(s, ':', len);
        if (rest == NULL)
            rest = s + len;
        else if (memchr(rest + 1, ':', len - (size_t)(rest + 1 - s))) {
            snprintf(err, errlen, "an IPv6 address goes in brackets "
                     "(redis://[::1]:6379)");
            return -1;
        }
        hlen = (size_t)(rest - host);
    }
    if (hlen == 0) {
        snprintf(err, errlen, "the host is missing (redis://HOST[:PORT][/DB], "
                 "HOST an IP address)");
        return -1;
    }
    if (hlen >= sizeof t->host) {
        snprintf(err, errlen, "the host is too long for an IP address");
        return -1;
    }
    memcpy(t->host, host, hlen);
    t->host[hlen] = '\0';
    if (inet_pton(host == s ? AF_INET : AF_INET6, t->host, addr) != 1) {
        snprintf(err, errlen, "host '%s' is not an IP address: redis takes "
                 "an IPv4 address, an IPv6 one in brackets or a unix: path "
                 "(a host name would be resolved outside redis_timeout)",
                 t->host);
        return -1;
    }
    t->port = REDIS_URL_DEFAULT_PORT;
    if (rest < s + len) {
        port = *rest == ':' ? parse_number(rest + 1,
                                           (size_t)(s + len - rest - 1), 1,
                                           65535) : -1;
        if (port < 0) {
            snprintf(err, errlen, "the port after the host must be a number "
                     "from 1 to 65535");
            return -1;
        }
        t->port = (int)port;
    }
    return 0;
}

/* parse_tcp - the part of a redis:// URL after the scheme */
static int
parse_tcp(const char *s, struct redis_target *t, char *err, size_t errlen)
{
    const char *at = strrchr(s, '@'), *slash;
    long db;

    if (at != NULL) {
        if (parse_userinfo(s, (size_t)(at - s), t, err, errlen) < 0)
            return -1;
        s = at + 1;
    }
    if (strpbrk(s, "?#") != NULL) {
        snprintf(err, errlen, "a redis:// URL takes no '?' or '#' part "
                 "(redis://[:PASSWORD@]HOST[:PORT][/DB])");
        return -1;
    }
    slash = strchr(s, '/');
    if (parse_host(s, slash != NULL ? (size_t)(slash - s) : strlen(s), t,
                   err, errlen) < 0)
        return -1;
    if (slash != NULL && slash[1] != '\0') {
        db = parse_number(slash + 1, strlen(slash + 1), 0, 2147483647L);
        if (db < 0) {
            snprintf(err, errlen, "the database after '/' must be a number "
                     "(0 and up)");
            return -1;
        }
        t->db = (int)db;
    }
    snprintf(t->label, sizeof t->label, "%s%s%s:%d/%d",
             strchr(t->host, ':') != NULL ? "[" : "", t->host,
             strchr(t->host, ':') != NULL ? "]" : "", t->port, t->db);
    return 0;
}

/* parse_param - one NAME=VALUE of a unix: URL's query (len bytes) */
static int
parse_param(const char *s, size_t len, struct redis_target *t, char *err,
            size_t errlen)
{
    const char *eq = memchr(s, '=', len);
    size_t nlen = eq != NULL ? (size_t)(eq - s) : len;
    const char *v = eq != NULL ? eq + 1 : s + len;
    size_t vlen = (size_t)(s + len - v);
    long db;

    if (eq != NULL && nlen == 2 && memcmp(s, "db", 2) == 0) {
        db = parse_number(v, vlen, 0, 2147483647L);
        if (db < 0) {
            snprintf(err, errlen, "db= must be a number (0 and up)");
            return -1;
        }
        t->db = (int)db;
        return 0;
    }
    if (eq != NULL && nlen == 8 && memcmp(s, "password", 8) == 0) {
        t->has_password = 1;
        return decode_part(v, vlen, t->password, sizeof t->password,
                           "the password", err, errlen);
    }
    if (eq != NULL && nlen == 4 && memcmp(s, "user", 4) == 0)
        return decode_part(v, vlen, t->user, sizeof t->user, "the user name",
                           err, errlen);
    snprintf(err, errlen, "unknown parameter '%.*s' after '?' (db=N, "
             "password=P, user=U)", (int)(nlen > 40 ? 40 : nlen), s);
    return -1;
}

/* parse_unix - the part of a unix: URL after the scheme */
static int
parse_unix(const char *s, struct redis_target *t, char *err, size_t errlen)
{
    const char *q = strchr(s, '?'), *p, *amp;
    size_t plen = q != NULL ? (size_t)(q - s) : strlen(s);

    t->transport = REDIS_UNIX;
    if (plen == 0 || s[0] != '/') {
        snprintf(err, errlen, "a unix: URL needs an absolute socket path "
                 "(unix:/PATH[?db=N])");
        return -1;
    }
    if (plen >= sizeof t->path) {
        snprintf(err, errlen, "the socket path is longer than %zu bytes",
                 sizeof t->path - 1);
        return -1;
    }
    memcpy(t->path, s, plen);
    t->path[plen] = '\0';
    for (p = q != NULL ? q + 1 : NULL; p != NULL; p = amp != NULL ? amp + 1
                                                                  : NULL) {
        amp = strchr(p, '&');
        if (parse_param(p, amp != NULL ? (size_t)(amp - p) : strlen(p), t,
                        err, errlen) < 0)
            return -1;
    }
    snprintf(t->label, sizeof t->label, "unix:%s?db=%d", t->path, t->db);
    return 0;
}

/* redis_url_parse - fill t from url; -1 and a message naming what is
 * wrong */
int
redis_url_parse(const char *url, struct redis_target *t, char *err,
                size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (strncmp(url, "redis://", 8) == 0)
        return parse_tcp(url + 8, t, err, errlen);
    if (strncmp(url, "unix:", 5) == 0)
        return parse_unix(url + 5, t, err, errlen);
    if (strncmp(url, "rediss://", 9) == 0)
        snprintf(err, errlen, "rediss:// (TLS) is not supported by hiredis "
                 "0.14; use redis:// or unix:");
    else
        snprintf(err, errlen, "the URL must start with redis:// or unix: "
                 "(redis://[:PASSWORD@]HOST[:PORT][/DB] or "
                 "unix:/PATH[?db=N])");
    return -1;
}
