/*
 * dns_metrics.h - the metrics of milter.dns (luamilter_dns_*): lookups of
 * live connections by record type and result, and their latency (from
 * sending to the answer, or to the deadline for a timeout).  A lookup
 * counts when the policy gets its result (dns.query, a handle's wait, each
 * lookup of dns.queries, dns.ptr, the lists' A and TXT lookups).
 */
#ifndef LUAMILTER_DNS_METRICS_H
#define LUAMILTER_DNS_METRICS_H

void dns_metrics_start(void);
void dns_metrics_count(int qtype, const char *result, double seconds);

#endif
