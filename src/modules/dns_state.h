/*
 * dns_state.h - what milter.dns keeps per Lua state (one per connection),
 * and the lookups its calls are made of.
 *
 * A call (dns.query, dns.queries, dns.dnsbl_any, ...) prepares lookups
 * (a checked name and a type, or the error that stopped it: badname,
 * limit), sends them at once, waits for all of them to one deadline
 * (dns_timeout, and what is left of the callback's budget) and pushes each
 * result: a table of records, or nil, err, detail.  Live states send to the
 * shared resolver; states of in-policy tests and replay answer from the
 * stubs the test put in the registry (dns_stub.h) and never touch the
 * network.  Records a state still holds are cancelled and released when it
 * is closed (its __gc); at abort (the core's stage hook) those sent for the
 * message are cancelled, those sent at connect or helo are kept.
 */
#ifndef LUAMILTER_DNS_STATE_H
#define LUAMILTER_DNS_STATE_H

#include <pthread.h>

#include "dns_names.h"

struct config;
struct dns_conf;
struct dns_query;
struct dns_resolver;
struct lua_State;

#define DNS_STATE "luamilter.dns.state"     /* its metatable */
#define DNS_STATE_KEY "luamilter.dns"       /* the registry key of it */
#define DNS_BUDGET_MARGIN 0.1   /* seconds of the callback's budget a wait
                                 * leaves for the policy to act */

struct dns_state {
    const struct dns_conf *conf;
    const struct config *cfg;
    int mode;                   /* enum module_mode */
    int live;                   /* sends to the network */
    struct dns_resolver *res;   /* live: taken at the first query */
    pthread_cond_t cond;        /* this state's thread waits on it */
    int cond_ok;
    long sent;                  /* lookups counted against max_queries */
    struct dns_query *held;     /* records not yet released */
    int closed;
};

/* one lookup of a call */
struct dns_job {
    char name[DNS_NAME_MAX + 1];
    int qtype;
    const char *err;            /* why it was not sent, or NULL */
    char detail[160];           /* ... said in full */
    struct dns_query *q;        /* live: the record, until released */
    int sent;                   /* stubs: looked up at push time */
};

struct dns_state *dns_state_of(struct lua_State *L, int idx);
void dns_job_prepare(struct dns_state *st, struct dns_job *j,
                     const char *name, size_t len, int qtype);
void dns_job_fail(struct dns_job *j, const char *err);
const char *dns_call_deadline(struct lua_State *L, struct dns_state *st,
                              double *deadline);
void dns_jobs_send(struct lua_State *L, struct dns_state *st,
                   struct dns_job *jobs, int n);
void dns_jobs_wait(struct dns_state *st, struct dns_job *jobs, int n,
                   double deadline);
int dns_job_pending(struct dns_job *j);
void dns_jobs_wait_one(struct dns_job *const *jobs, int n, double deadline);
int dns_job_push(struct lua_State *L, struct dns_state *st,
                 struct dns_job *j);
void dns_job_release(struct dns_state *st, struct dns_job *j);
void dns_state_cancel_all(struct dns_state *st, int release);
void dns_state_keep_held(struct dns_state *st);
void dns_state_cancel_message(struct dns_state *st);

#endif
