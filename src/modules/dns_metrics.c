/*
 * dns_metrics.c - counting milter.dns (dns_metrics.h).  Labels: the record
 * type (milter.dns's own list) and the result word the policy sees (a
 * closed list; anything else is "other").  Series are made on first use
 * and kept in a table of atomic pointers.
 */
#include "dns_metrics.h"
#include "dns_names.h"
#include "metrics_caps.h"

#include <string.h>

static const char *const type_words[] = {
    "A", "AAAA", "PTR", "MX", "TXT", "NS", "CNAME", "SOA", "other", NULL
};
#define N_TYPES 9

static const char *const result_words[] = {
    "ok", "nodata", "nxdomain", "timeout", "servfail", "refused", "formerr",
    "notimp", "rcode", "bogus", "error", "cancelled", "limit", "budget",
    "badname", "other", NULL
};
#define N_RESULTS 16

static struct metric_family *queries_fam;
static struct metric_series *queries[N_TYPES][N_RESULTS];
static struct metric_series *latency;

/* word_index - the index of s in words (NULL-terminated, the last word is
 * the catch-all) */
static int
word_index(const char *const *words, const char *s)
{
    int i;

    for (i = 0; words[i + 1] != NULL; i++)
        if (strcmp(words[i], s) == 0)
            return i;
    return i;
}

/* dns_metrics_start - the families (once) */
void
dns_metrics_start(void)
{
    static const char *const labels[] = {"result", "type", NULL};

    if (queries_fam != NULL)
        return;
    queries_fam = mcap_family("luamilter_dns_queries", METRIC_COUNTER,
                              "DNS lookups of live connections, by record "
                              "type and result", labels);
    latency = mcap_series(mcap_latency_family(
        "luamilter_dns_query_duration_seconds", "Seconds from sending a DNS "
        "lookup to its answer (to the deadline for a timeout)", NULL), NULL);
}

/* dns_metrics_count - one lookup's result; seconds negative: not timed */
void
dns_metrics_count(int qtype, const char *result, double seconds)
{
    int t = word_index(type_words, dns_type_name(qtype));
    int r = word_index(result_words, result);
    const char *v[2] = {result_words[r], type_words[t]};

    if (queries_fam == NULL)
        return;
    mcap_record(mcap_series_at(&queries[t][r], queries_fam, v), 1);
    if (seconds >= 0)
        mcap_record(latency, seconds);
}
