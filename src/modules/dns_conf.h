/*
 * dns_conf.h - the configuration keys of milter.dns (dns_servers,
 * dns_timeout, dns_max_queries, dns_cache) and the server list they give.
 */
#ifndef LUAMILTER_DNS_CONF_H
#define LUAMILTER_DNS_CONF_H

#include <stddef.h>

struct config;
struct config_section;

struct dns_conf {
    char *servers;          /* "ADDR[:PORT] ...", NULL: /etc/resolv.conf's */
    double timeout;         /* seconds one call may wait, retries included */
    int max_queries;        /* queries one connection may send */
    size_t cache;           /* bytes of libunbound's cache */
};

#define DNS_SERVERS_MAX 16
#define DNS_SERVER_LEN 64   /* "ADDR@PORT" as libunbound takes it */

extern const struct config_section dns_section;

const struct dns_conf *dns_conf_of(const struct config *cfg, int section);
int dns_servers_parse(const char *list, char out[][DNS_SERVER_LEN],
                      int max, char *err, size_t errlen);

#endif
