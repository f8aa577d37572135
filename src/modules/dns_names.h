/*
 * dns_names.h - DNS names as milter.dns builds and checks them: the record
 * types it asks for, a query name's limits (253 bytes, labels of 1 to 63),
 * reverse names of IPv4 and IPv6 addresses (in-addr.arpa, ip6.arpa), and
 * address text compared by value.
 */
#ifndef LUAMILTER_DNS_NAMES_H
#define LUAMILTER_DNS_NAMES_H

#include <stddef.h>

#define DNS_NAME_MAX 253    /* bytes of a name in text, without the dot */
#define DNS_LABEL_MAX 63

/* the record types milter.dns asks for */
enum dns_type {
    DNS_A = 1, DNS_NS = 2, DNS_CNAME = 5, DNS_SOA = 6, DNS_PTR = 12,
    DNS_MX = 15, DNS_TXT = 16, DNS_AAAA = 28
};

/* an address by value: family 4 or 6 and its bytes (IPv4-mapped IPv6 is
 * held as IPv4) */
struct dns_addr {
    int family;
    unsigned char b[16];
};

int dns_type_parse(const char *name);
const char *dns_type_name(int type);
int dns_name_check(const char *name, size_t len, char *out);
int dns_addr_parse(const char *text, size_t len, struct dns_addr *a);
int dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b);
int dns_reverse_name(const struct dns_addr *a, const char *zone, char *out);
int dns_join_name(const char *name, size_t len, const char *zone, char *out);

#endif
