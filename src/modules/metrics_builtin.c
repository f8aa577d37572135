/*
 * metrics_builtin.c - the daemon's own metrics (metrics.h,
 * metrics_builtin.h).  Labels come from closed sets only (stages, results,
 * kinds): nothing an SMTP client sends becomes a label.
 */
#include "metrics.h"
#include "metrics_builtin.h"
#include "recordlog.h"
#include "metrics_registry.h"
#include "metrics_text.h"
#include "metrics_value.h"
#include "script.h"
#include "version.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* 50 µs to 10 s: luamilter's callbacks take from tens of microseconds
 * (a header) to seconds (a slow lookup) */
const double metrics_stage_bounds[METRICS_STAGE_BUCKETS] = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

static const char *const message_results[] = {
    "delivered", "quarantined", "rejected", "tempfailed", "discarded",
    "aborted", "other", NULL
};
static const char *const recipient_results[] = {
    "accepted", "rejected", "tempfailed", "discarded", "other", NULL
};
static const char *const error_kinds[] = {"error", "timeout", "memory", NULL};

#define N_MESSAGE 7
#define N_RECIPIENT 5
#define N_KIND 3

struct stage_hist {
    uint64_t counts[METRICS_STAGE_BUCKETS + 1];
    uint64_t sum;
};

static uint64_t conn_total, conn_refused, decision_dropped;
static int64_t conn_open;
static uint64_t messages[N_MESSAGE], recipients[N_RECIPIENT];
static struct stage_hist stage_hist[ST_COUNT];
static uint64_t policy_errors[ST_COUNT][N_KIND];
static uint64_t reloads[2];         /* failed, ok */
static int breaker_is_open, draining;

/* the rest changes rarely and is read whole: under a lock */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static char script_version[16];
static unsigned long script_generation;
static time_t script_loaded, last_reload;
static int last_reload_ok = -1;
static char last_reload_error[1024];

/* word_index - the index of s in a NULL-terminated list whose last word
 * is the catch-all */
static int
word_index(const char *const *words, const char *s)
{
    int i;

    for (i = 0; words[i + 1] != NULL; i++)
        if (s != NULL && strcmp(words[i], s) == 0)
            return i;
    return i;
}

/* stage_index - a stage as an index of the per-stage tables */
static int
stage_index(enum stage st)
{
    return st >= ST_NONE && st < ST_COUNT ? (int)st : ST_NONE;
}

/* stage_label - the stage label of an index: its callback's name; the
 * script's top level (a state being set up) is "setup" */
static const char *
stage_label(int i)
{
    return i == ST_NONE ? "setup" : stage_info((enum stage)i)->callback;
}

/* metrics_count_connection_open - a connection is served */
void
metrics_count_connection_open(void)
{
    mv_inc(&conn_total, 1);
    __atomic_add_fetch(&conn_open, 1, __ATOMIC_RELAXED);
}

/* metrics_count_connection_close - a served connection ended */
void
metrics_count_connection_close(void)
{
    __atomic_sub_fetch(&conn_open, 1, __ATOMIC_RELAXED);
}

/* metrics_count_connection_refused - refused past max_connections */
void
metrics_count_connection_refused(void)
{
    mv_inc(&conn_refused, 1);
}

/* metrics_count_message - one message's result */
void
metrics_count_message(const char *result)
{
    mv_inc(&messages[word_index(message_results, result)], 1);
}

/* metrics_count_recipient - one recipient's result */
void
metrics_count_recipient(const char *result)
{
    mv_inc(&recipients[word_index(recipient_results, result)], 1);
}

/* metrics_observe_stage - time one callback spent in the policy */
void
metrics_observe_stage(enum stage st, double seconds)
{
    struct stage_hist *h = &stage_hist[stage_index(st)];

    mv_observe(metrics_stage_bounds, METRICS_STAGE_BUCKETS, h->counts,
               &h->sum, seconds);
}

/* metrics_count_policy_error - a failure of the policy at st */
void
metrics_count_policy_error(enum stage st, const char *kind)
{
    int k = word_index(error_kinds, kind);

    if (k == N_KIND - 1 && (kind == NULL || strcmp(kind, "memory") != 0))
        k = 0;                  /* anything unknown is an error */
    mv_inc(&policy_errors[stage_index(st)][k], 1);
}

/* metrics_set_breaker - the breaker's state */
void
metrics_set_breaker(int open)
{
    __atomic_store_n(&breaker_is_open, open != 0, __ATOMIC_RELAXED);
}

/* metrics_count_reload - one reload's outcome */
void
metrics_count_reload(int ok, const char *error)
{
    mv_inc(&reloads[ok != 0], 1);
    pthread_mutex_lock(&state_lock);
    last_reload_ok = ok != 0;
    last_reload = time(NULL);
    snprintf(last_reload_error, sizeof last_reload_error, "%s",
             !ok && error != NULL ? error : "");
    pthread_mutex_unlock(&state_lock);
}

/* metrics_set_script - the generation serving now; commits its metric
 * declarations */
void
metrics_set_script(const char *version, unsigned long generation)
{
    pthread_mutex_lock(&state_lock);
    snprintf(script_version, sizeof script_version, "%s",
             version != NULL ? version : "");
    script_generation = generation;
    script_loaded = time(NULL);
    pthread_mutex_unlock(&state_lock);
    if (version != NULL)
        metrics_registry_commit(version);
}

/* metrics_set_draining - stopping after SIGTERM */
void
metrics_set_draining(void)
{
    __atomic_store_n(&draining, 1, __ATOMIC_RELAXED);
}

/* metrics_count_decision_dropped - a decision record was dropped */
void
metrics_count_decision_dropped(void)
{
    mv_inc(&decision_dropped, 1);
}

/* metrics_builtin_state - the daemon's state, for /healthz and /status
 * (the script serving as the daemon reported it, or as published) */
void
metrics_builtin_state(struct metrics_state *st)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_lock(&state_lock);
    snprintf(st->script, sizeof st->script, "%s", script_version);
    st->generation = script_generation;
    st->script_loaded = script_loaded;
    st->last_reload_ok = last_reload_ok;
    st->last_reload = last_reload;
    snprintf(st->last_reload_error, sizeof st->last_reload_error, "%s",
             last_reload_error);
    pthread_mutex_unlock(&state_lock);
    st->reloads_ok = (int)mv_get(&reloads[1]);
    st->reloads_failed = (int)mv_get(&reloads[0]);
    st->connections_open = (long)__atomic_load_n(&conn_open, __ATOMIC_RELAXED);
    st->connections_total = mv_get(&conn_total);
    st->connections_refused = mv_get(&conn_refused);
    st->breaker_open = __atomic_load_n(&breaker_is_open, __ATOMIC_RELAXED);
    st->draining = __atomic_load_n(&draining, __ATOMIC_RELAXED);
    if (st->script[0] == '\0') {        /* not reported: the one published */
        struct script *s = script_current();
        if (s != NULL) {
            snprintf(st->script, sizeof st->script, "%s", s->hash);
            st->generation = s->serial;
        }
        script_unref(s);
    }
}

/* render_by_word - a counter family with one label from a word list */
static void
render_by_word(struct mtext *t, const char *name, const char *help,
               const char *label, const char *const *words,
               const uint64_t *values)
{
    const char *names[1] = {label};
    const char *vals[1];
    struct mlabels lb = {1, names, vals};
    int i;

    mtext_family(t, name, "counter", help);
    for (i = 0; words[i] != NULL; i++) {
        vals[0] = words[i];
        mtext_sample_u(t, name, NULL, &lb, mv_get(&values[i]));
    }
}

/* render_stage_times - luamilter_stage_duration_seconds */
static void
render_stage_times(struct mtext *t)
{
    static const char name[] = "luamilter_stage_duration_seconds";
    const char *names[1] = {"stage"};
    const char *vals[1];
    struct mlabels lb = {1, names, vals};
    int i;

    mtext_family(t, name, "histogram", "Seconds each callback spent in the "
                 "policy, by stage (setup: the script's top level)");
    for (i = ST_NONE; i < ST_COUNT; i++) {
        vals[0] = stage_label(i);
        mtext_histogram(t, name, &lb, metrics_stage_bounds,
                        METRICS_STAGE_BUCKETS, stage_hist[i].counts,
                        &stage_hist[i].sum);
    }
}

/* render_policy_errors - luamilter_policy_errors_total */
static void
render_policy_errors(struct mtext *t)
{
    static const char name[] = "luamilter_policy_errors_total";
    const char *names[2] = {"kind", "stage"};
    const char *vals[2];
    struct mlabels lb = {2, names, vals};
    int i, k;

    mtext_family(t, name, "counter", "Policy failures (a Lua error, a "
                 "callback over callback_timeout, memory_limit reached), by "
                 "stage");
    for (i = ST_NONE; i < ST_COUNT; i++) {
        for (k = 0; k < N_KIND; k++) {
            vals[0] = error_kinds[k];
            vals[1] = stage_label(i);
            mtext_sample_u(t, name, NULL, &lb, mv_get(&policy_errors[i][k]));
        }
    }
}

/* render_info - luamilter_build_info and luamilter_script_info */
static void
render_info(struct mtext *t)
{
    const char *names[1] = {"version"};
    const char *vals[1];
    struct mlabels lb = {1, names, vals};
    struct metrics_state st;

    mtext_family(t, "luamilter_build_info", "gauge",
                 "luamilter's version, always 1");
    vals[0] = LUAMILTER_VERSION;
    mtext_sample_u(t, "luamilter_build_info", NULL, &lb, 1);
    metrics_builtin_state(&st);
    mtext_family(t, "luamilter_script_info", "gauge",
                 "The policy script version new connections use, always 1");
    if (st.script[0] != '\0') {
        vals[0] = st.script;
        mtext_sample_u(t, "luamilter_script_info", NULL, &lb, 1);
    }
}

/* metrics_builtin_render - every built-in family */
void
metrics_builtin_render(struct mtext *t)
{
    const char *names[1] = {"reason"};
    const char *vals[1] = {"max_connections"};
    struct mlabels lb = {1, names, vals};
    static const char *const reload_words[] = {"failed", "ok", NULL};

    render_info(t);
    mtext_family(t, "luamilter_connections_total", "counter",
                 "MTA connections served since the start");
    mtext_sample_u(t, "luamilter_connections_total", NULL, NULL,
                   mv_get(&conn_total));
    mtext_family(t, "luamilter_connections_open", "gauge",
                 "MTA connections open now");
    mtext_sample_d(t, "luamilter_connections_open", NULL, NULL,
                   (double)__atomic_load_n(&conn_open, __ATOMIC_RELAXED));
    mtext_family(t, "luamilter_connections_refused_total", "counter",
                 "MTA connections refused with 451 4.3.2");
    mtext_sample_u(t, "luamilter_connections_refused_total", NULL, &lb,
                   mv_get(&conn_refused));
    render_by_word(t, "luamilter_messages_total", "Messages by result",
                   "result", message_results, messages);
    render_by_word(t, "luamilter_recipients_total", "Recipients by result",
                   "result", recipient_results, recipients);
    render_stage_times(t);
    render_policy_errors(t);
    mtext_family(t, "luamilter_breaker_open", "gauge",
                 "1 while the circuit breaker is open");
    mtext_sample_u(t, "luamilter_breaker_open", NULL, NULL,
                   (uint64_t)__atomic_load_n(&breaker_is_open,
                                             __ATOMIC_RELAXED));
    render_by_word(t, "luamilter_reloads_total", "Reloads (SIGHUP) by result",
                   "result", reload_words, reloads);
    mtext_family(t, "luamilter_decision_records_dropped_total", "counter",
                 "Decision records dropped because their queue was full");
    mtext_sample_u(t, "luamilter_decision_records_dropped_total", NULL, NULL,
                   mv_get(&decision_dropped) + recordlog_dropped());
    mtext_family(t, "luamilter_metrics_series_dropped_total", "counter",
                 "New label values of policy metrics dropped past "
                 "metrics_max_series");
    mtext_sample_u(t, "luamilter_metrics_series_dropped_total", NULL, NULL,
                   metrics_registry_dropped());
    mtext_family(t, "luamilter_metrics_series", "gauge",
                 "Series of policy and module metrics");
    mtext_sample_u(t, "luamilter_metrics_series", NULL, NULL,
                   (uint64_t)metrics_registry_count());
}
