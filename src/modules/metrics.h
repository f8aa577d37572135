/*
 * metrics.h - the metrics module: Prometheus metrics, the HTTP listener
 * (/metrics, /healthz, /status, /connections) and the metrics file.
 *
 * Three kinds of metric live in one process-wide registry:
 *   built-in    the daemon's own (connections, messages, stage times,
 *               policy errors, reloads...): fixed series, updated by the
 *               metrics_count_* / metrics_observe_* / metrics_set_* calls
 *               below, which the session and daemon code make (see
 *               docs/modules/metrics-wiring.md);
 *   policy      declared on the class (Policy.metrics), checked when a
 *               script is loaded (metrics_declare_from_class), fed with
 *               self:metric (metrics_lua_metric), kept across reloads;
 *   modules'    a capability's calls, errors and latency
 *               (metrics_registry.h, same conventions).
 * Every update on the callback path is an atomic operation on the series
 * itself: no lock is shared by connections, and a scrape takes none of
 * theirs.
 *
 * Every call here is safe before the module's start hook ran (replay,
 * milter.core, -t): it counts, and nothing is served.
 */
#ifndef LUAMILTER_METRICS_H
#define LUAMILTER_METRICS_H

#include <stddef.h>

#include "module.h"
#include "stage.h"

struct json;
struct lua_State;

extern struct module metrics_module;

/* built-in metrics: connections */
void metrics_count_connection_open(void);
void metrics_count_connection_close(void);
void metrics_count_connection_refused(void);    /* max_connections */

/* messages and recipients, by their decision-record result: "delivered",
 * "quarantined", "rejected", "tempfailed", "discarded", "aborted" for a
 * message; "accepted", "rejected", "tempfailed", "discarded" for a
 * recipient; anything else counts as "other" */
void metrics_count_message(const char *result);
void metrics_count_recipient(const char *result);

/* seconds one callback spent in the policy */
void metrics_observe_stage(enum stage st, double seconds);

/* a policy failure at st; kind "error", "timeout" or "memory" */
void metrics_count_policy_error(enum stage st, const char *kind);

/* the circuit breaker tripped (1) or closed again (0) */
void metrics_set_breaker(int open);

/* a reload: ok, or failed with its error (may be NULL) */
void metrics_count_reload(int ok, const char *error);

/* a generation now serves new connections (at start, after a reload, a
 * last_good fallback): luamilter_script_info, /status; its metric
 * declarations are committed (metrics_declare_from_class) */
void metrics_set_script(const char *version, unsigned long generation);

/* SIGTERM: stopping; /healthz answers 503 from now on */
void metrics_set_draining(void);

/* a decision record was dropped (its queue was full) */
void metrics_count_decision_dropped(void);

/*
 * /connections: the daemon's provider calls put once per open
 * connection.  Until it is set, /connections answers "unknown".
 */
struct metrics_conn_info {
    unsigned long id;           /* connection number (conn#N in the log) */
    const char *client;         /* address or host name, may be NULL */
    const char *helo;           /* may be NULL */
    const char *stage;          /* the current or last stage, may be NULL */
    double stage_seconds;       /* seconds in it so far */
    unsigned long messages;     /* messages begun on the connection */
    const char *script;         /* script version it runs, may be NULL */
    const char *qid;            /* queue id of its message, may be NULL */
};
typedef void (*metrics_conn_put)(const struct metrics_conn_info *ci,
                                 void *ud);
extern void (*metrics_connections_provider)(metrics_conn_put put, void *ud);

/*
 * The policy's own metrics.  metrics_declare_from_class reads the class at
 * class_index (its `metrics` field): each definition is checked, and
 * registered or found equal to the one already registered; 0, or -1 with
 * the error in err (a bad definition, or a change of a metric's type,
 * labels or buckets, which only a restart may make).  Declarations of a
 * state in MODULE_LIVE take effect at once; those of a check state (a new
 * script's, MODULE_TEST) when metrics_set_script names that script.
 */
int metrics_declare_from_class(struct lua_State *L, int class_index,
                               char *err, size_t errlen);
struct script;
int metrics_gen_check(struct lua_State *L, int cls, void *data,
                      const struct script *s, char *err, size_t errlen);

/* self:metric(name, value [, labels]) as a lua_CFunction: in MODULE_LIVE
 * it counts (counter: add, gauge: set, histogram: observe); in tests and
 * replay it checks the call and counts nothing */
int metrics_lua_metric(struct lua_State *L);

#endif
