/*
 * dns_conf.c - milter.dns's configuration keys, declared once (see
 * dns_conf.h), and the parser of the dns_servers list.
 */
#include "dns_conf.h"
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the values a state uses when no config reaches it (milter.test) */
static const struct dns_conf dns_defaults = {NULL, 2.0, 64, 8u << 20};

/* parse_port - "53" into 1..65535; -1 if it is not a port */
static long
parse_port(const char *s)
{
    char *end;
    long port;

    if (*s < '0' || *s > '9')
        return -1;
    port = strtol(s, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535)
        return -1;
    return port;
}

/* parse_server - one "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT" into
 * libunbound's "ADDR@PORT" */
static int
parse_server(const char *item, char *out, char *err, size_t errlen)
{
    char addr[INET6_ADDRSTRLEN + 8];
    unsigned char bin[sizeof(struct in6_addr)];
    const char *port = NULL, *close;
    size_t alen;
    long p = 53;
    int v6;

    if (item[0] == '[') {
        close = strchr(item, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
            snprintf(err, errlen, "dns server '%s': an IPv6 address is "
                     "written [ADDR] or [ADDR]:PORT", item);
            return -1;
        }
        alen = (size_t)(close - item - 1);
        if (alen >= sizeof addr)
            alen = sizeof addr - 1;
        memcpy(addr, item + 1, alen);
        addr[alen] = '\0';
        if (close[1] == ':')
            port = close + 2;
        v6 = 1;
    } else {
        const char *colon = strchr(item, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL) {
            snprintf(addr, sizeof addr, "%s", item);    /* bare IPv6 */
            v6 = 1;
        } else {
            alen = colon != NULL ? (size_t)(colon - item) : strlen(item);
            if (alen >= sizeof addr)
                alen = sizeof addr - 1;
            memcpy(addr, item, alen);
            addr[alen] = '\0';
            if (colon != NULL)
                port = colon + 1;
            v6 = 0;
        }
    }
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1) {
        snprintf(err, errlen, "dns server '%s': '%s' is not an IPv%d "
                 "address", item, addr, v6 ? 6 : 4);
        return -1;
    }
    if (port != NULL && (p = parse_port(port)) < 0) {
        snprintf(err, errlen, "dns server '%s': '%s' is not a port "
                 "(1-65535)", item, port);
        return -1;
    }
    snprintf(out, DNS_SERVER_LEN, "%s@%ld", addr, p);
    return 0;
}

/* dns_servers_parse - the space-separated list into out[]; how many, or
 * -1 with a message naming the bad item */
int
dns_servers_parse(const char *list, char out[][DNS_SERVER_LEN], int max,
                  char *err, size_t errlen)
{
    char item[128];
    const char *p = list;
    size_t len;
    int n = 0;

    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        len = strcspn(p, " \t,");
        if (len >= sizeof item) {
            snprintf(err, errlen, "dns server '%.40s...': too long", p);
            return -1;
        }
        if (n == max) {
            snprintf(err, errlen, "more than %d dns servers", max);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (parse_server(item, out[n], err, errlen) < 0)
            return -1;
        n++;
        p += len;
    }
    if (n == 0) {
        snprintf(err, errlen, "no dns server given");
        return -1;
    }
    return n;
}

/* check_servers - the config check of dns_servers */
static int
check_servers(const char *v, char *err, size_t errlen)
{
    char servers[DNS_SERVERS_MAX][DNS_SERVER_LEN];

    return dns_servers_parse(v, servers, DNS_SERVERS_MAX, err, errlen) < 0
           ? -1 : 0;
}

#define F(name) offsetof(struct dns_conf, name)

/* name, type, offset, default, lo, hi, words, flags, check, help */
static const struct config_key dns_keys[] = {
    {"dns_servers", CT_STRING, F(servers), NULL, 0, 0, NULL,
     CK_RELOAD | CK_EMPTY_UNSETS, check_servers,
     "DNS servers milter.dns forwards to (ADDR[:PORT] ...); unset: those "
     "of /etc/resolv.conf"},
    {"dns_timeout", CT_SECONDS, F(timeout), "2", 0.001, 300, NULL, CK_RELOAD,
     NULL, "seconds one milter.dns call may wait, retries included"},
    {"dns_max_queries", CT_INT, F(max_queries), "64", 1, 1000000, NULL,
     CK_RELOAD, NULL, "DNS queries one connection may send"},
    {"dns_cache", CT_SIZE, F(cache), "8M", 65536, 1073741824.0, NULL,
     CK_RELOAD, NULL, "size of the DNS cache shared by all connections"},
};

const struct config_section dns_section = {
    "milter.dns", dns_keys, sizeof dns_keys / sizeof dns_keys[0],
    sizeof(struct dns_conf), NULL
};

/* dns_conf_of - the module's block of cfg (section id), or the defaults
 * when there is no config or the section was never registered */
const struct dns_conf *
dns_conf_of(const struct config *cfg, int section)
{
    const struct dns_conf *c = NULL;

    if (cfg != NULL && section > 0)
        c = config_section(cfg, section);
    return c != NULL ? c : &dns_defaults;
}
