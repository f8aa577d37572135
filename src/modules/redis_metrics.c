/*
 * redis_metrics.c - counting milter.redis (redis_metrics.h).  The command
 * label is a word of a fixed list (so a policy cannot make up label
 * values), series are made on first use and kept in a table of atomic
 * pointers; the pool's gauges are read at each scrape.
 */
#include "redis_metrics.h"
#include "metrics_caps.h"

#include <string.h>
#include <strings.h>

static const char *const command_words[] = {
    "get", "set", "setex", "setnx", "getset", "getdel", "del", "unlink",
    "exists", "expire", "pexpire", "expireat", "ttl", "pttl", "persist",
    "incr", "incrby", "incrbyfloat", "decr", "decrby", "mget", "mset",
    "hget", "hset", "hsetnx", "hdel", "hincrby", "hgetall", "hmget", "hmset",
    "hexists", "sadd", "srem", "sismember", "smembers", "scard", "zadd",
    "zrem", "zscore", "zincrby", "zcard", "zcount", "zrange",
    "zrangebyscore", "zremrangebyscore", "lpush", "rpush", "lpop", "rpop",
    "lrange", "ltrim", "llen", "pfadd", "pfcount", "ping", "eval",
    "evalsha", "pipeline", "other", NULL
};
#define N_COMMANDS 59

static const char *const result_words[REDIS_RESULT_COUNT] = {
    "ok", "error", "timeout", "budget", "connection", "too_large", "refused"
};

enum { CONN_OK, CONN_FAILED, N_CONNECT };

static struct metric_family *commands_fam;
static struct metric_series *commands[N_COMMANDS][REDIS_RESULT_COUNT];
static struct metric_series *latency, *open_conns, *idle_conns, *waits,
    *wait_timeouts, *connects[N_CONNECT];
static void (*read_pool)(struct redis_pool_stats *st);

/* command_index - the label of a command name: its word in the list (any
 * case), else "other" */
static int
command_index(const char *cmd, size_t len)
{
    int i;

    for (i = 0; i < N_COMMANDS - 1; i++)
        if (strlen(command_words[i]) == len &&
            strncasecmp(cmd, command_words[i], len) == 0)
            return i;
    return N_COMMANDS - 1;
}

/* scrape - the pool's connections now (none without a pool) */
static void
scrape(void)
{
    struct redis_pool_stats st = {0};

    if (read_pool != NULL)
        read_pool(&st);
    mcap_set(open_conns, st.open);
    mcap_set(idle_conns, st.idle);
}

/* redis_metrics_start - the families (once); pool_stats reads the
 * daemon's pool at scrape time (zeros when there is none) */
void
redis_metrics_start(void (*pool_stats)(struct redis_pool_stats *st))
{
    static const char *const by_cmd[] = {"command", "result", NULL};
    static const char *const by_result[] = {"result", NULL};
    const char *v[1];

    read_pool = pool_stats;
    if (commands_fam != NULL)
        return;
    commands_fam = mcap_family("luamilter_redis_commands", METRIC_COUNTER,
                               "Redis calls of live connections (a pipeline "
                               "counts once), by command and result", by_cmd);
    latency = mcap_series(mcap_latency_family(
        "luamilter_redis_command_duration_seconds", "Seconds a Redis call "
        "took, from taking a pooled connection to the last reply", NULL),
        NULL);
    open_conns = mcap_series(mcap_family("luamilter_redis_connections_open",
        METRIC_GAUGE, "Connections of the pool to Redis open now", NULL),
        NULL);
    idle_conns = mcap_series(mcap_family("luamilter_redis_connections_idle",
        METRIC_GAUGE, "Pooled connections to Redis idle now", NULL), NULL);
    {
        struct metric_family *f = mcap_family("luamilter_redis_connects",
            METRIC_COUNTER, "New connections to Redis (the first ones and "
            "every reconnect), by result", by_result);
        v[0] = "ok";
        connects[CONN_OK] = mcap_series(f, v);
        v[0] = "failed";
        connects[CONN_FAILED] = mcap_series(f, v);
    }
    waits = mcap_series(mcap_family("luamilter_redis_pool_waits",
        METRIC_COUNTER, "Calls that waited for a free pooled connection "
        "(all redis_connections busy)", NULL), NULL);
    wait_timeouts = mcap_series(mcap_family(
        "luamilter_redis_pool_wait_timeouts", METRIC_COUNTER, "Calls that "
        "found no free pooled connection before their deadline", NULL),
        NULL);
    mcap_on_scrape(scrape);
}

/* redis_metrics_call - one call: its command name, result and seconds
 * (negative: not timed) */
void
redis_metrics_call(const char *cmd, size_t len, int result, double seconds)
{
    int c = command_index(cmd, len);
    const char *v[2];

    if (commands_fam == NULL || result < 0 || result >= REDIS_RESULT_COUNT)
        return;
    v[0] = command_words[c];
    v[1] = result_words[result];
    mcap_record(mcap_series_at(&commands[c][result], commands_fam, v), 1);
    if (seconds >= 0)
        mcap_record(latency, seconds);
}

/* redis_metrics_event - the pool's redis_hooks.event */
void
redis_metrics_event(int what, void *ud)
{
    (void)ud;
    switch (what) {
    case REDIS_EVENT_CONNECT:
        mcap_record(connects[CONN_OK], 1);
        break;
    case REDIS_EVENT_CONNECT_FAILED:
        mcap_record(connects[CONN_FAILED], 1);
        break;
    case REDIS_EVENT_WAIT:
        mcap_record(waits, 1);
        break;
    case REDIS_EVENT_WAIT_TIMEOUT:
        mcap_record(wait_timeouts, 1);
        break;
    }
}
