/*
 * dns_names.c - query names, record type names and reverse names for
 * milter.dns (see dns_names.h).
 */
#include "dns_names.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    int type;
} dns_types[] = {
    {"A", DNS_A}, {"AAAA", DNS_AAAA}, {"PTR", DNS_PTR}, {"MX", DNS_MX},
    {"TXT", DNS_TXT}, {"NS", DNS_NS}, {"CNAME", DNS_CNAME}, {"SOA", DNS_SOA},
};

#define NTYPES (sizeof dns_types / sizeof dns_types[0])

/* dns_type_parse - "MX" (any case) into its number; 0 if not one of ours */
int
dns_type_parse(const char *name)
{
    size_t i;

    for (i = 0; i < NTYPES; i++)
        if (strcasecmp(name, dns_types[i].name) == 0)
            return dns_types[i].type;
    return 0;
}

/* dns_type_name - the name of one of our types, "?" otherwise */
const char *
dns_type_name(int type)
{
    size_t i;

    for (i = 0; i < NTYPES; i++)
        if (dns_types[i].type == type)
            return dns_types[i].name;
    return "?";
}

/* dns_name_check - copy name (len bytes) to out without its trailing dot,
 * NUL-terminated; -1 if it cannot be asked for: empty, over 253 bytes, an
 * empty label or one over 63 bytes, or a byte libunbound would read as
 * something else (NUL and other control bytes, space, backslash) */
int
dns_name_check(const char *name, size_t len, char *out)
{
    size_t i, label = 0;

    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > DNS_NAME_MAX)
        return -1;
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch <= ' ' || ch == 0x7f || ch == '\\')
            return -1;
        if (ch == '.') {
            if (label == 0)
                return -1;
            label = 0;
        } else if (++label > DNS_LABEL_MAX) {
            return -1;
        }
    }
    memcpy(out, name, len);
    out[len] = '\0';
    return 0;
}

/* dns_addr_parse - IPv4 or IPv6 text (len bytes, "[...]" allowed) into a;
 * IPv4-mapped IPv6 becomes IPv4; -1 if it is not an address */
int
dns_addr_parse(const char *text, size_t len, struct dns_addr *a)
{
    char buf[INET6_ADDRSTRLEN + 1];
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                             0xff, 0xff};

    if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
        text++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof buf || memchr(text, '\0', len) != NULL)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, buf, a->b) == 1) {
        a->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, a->b) != 1)
        return -1;
    a->family = 6;
    if (memcmp(a->b, mapped, sizeof mapped) == 0) {
        memmove(a->b, a->b + 12, 4);
        memset(a->b + 4, 0, 12);
        a->family = 4;
    }
    return 0;
}

/* dns_addr_equal - the same address */
int
dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b)
{
    return a->family == b->family &&
           memcmp(a->b, b->b, a->family == 4 ? 4 : 16) == 0;
}

/* dns_reverse_name - the name of a under zone ("in-addr.arpa" and
 * "ip6.arpa" for PTR, a DNS list's zone otherwise): IPv4 octets reversed,
 * IPv6 nibbles reversed; -1 if zone is not a name or the whole is too long */
int
dns_reverse_name(const struct dns_addr *a, const char *zone, char *out)
{
    static const char hex[] = "0123456789abcdef";
    char buf[DNS_NAME_MAX + 80];
    size_t n = 0;
    int i;

    if (a->family == 4) {
        n = (size_t)snprintf(buf, sizeof buf, "%u.%u.%u.%u", a->b[3],
                             a->b[2], a->b[1], a->b[0]);
    } else {
        for (i = 15; i >= 0; i--) {
            buf[n++] = hex[a->b[i] & 0x0f];
            buf[n++] = '.';
            buf[n++] = hex[a->b[i] >> 4];
            buf[n++] = i > 0 ? '.' : '\0';
        }
        n--;
    }
    return dns_join_name(buf, n, zone, out);
}

/* dns_join_name - "name.zone" into out, checked as a query name (name
 * without its trailing dot, zone without a leading one) */
int
dns_join_name(const char *name, size_t len, const char *zone, char *out)
{
    char buf[2 * DNS_NAME_MAX + 8];
    size_t zlen = strlen(zone);

    if (len > 0 && name[len - 1] == '.')
        len--;
    if (zlen > 0 && zone[0] == '.') {
        zone++;
        zlen--;
    }
    if (len == 0 || zlen == 0 || len + zlen + 1 >= sizeof buf)
        return -1;
    memcpy(buf, name, len);
    buf[len] = '.';
    memcpy(buf + len + 1, zone, zlen);
    return dns_name_check(buf, len + 1 + zlen, out);
}
