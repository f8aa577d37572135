/*
 * redis_config.h - the config keys of the Redis client, in the one table
 * of keys (config.h), and what the pool is made from.
 *
 *   redis = URL               where Redis is (redis_url.h); unset: the
 *                             module answers "redis is not configured"
 *   redis_timeout = 0.25      seconds (s or ms suffix), 0.01 to 60: bounds
 *                             connect and each call
 *   redis_connections = 16    most connections the pool holds, 1 to 1024
 *   redis_max_reply = 1M      most a call may read, 1K to 512M (K, M, G)
 *
 * Parsing, defaults, -t and --print-config come from the table
 * (redis_config_section, registered by the module); redis_config_from
 * turns the parsed values into a struct redis_config for redis_pool_new.
 * All of them may change on SIGHUP: the caller builds a new pool for the
 * new config and lets the old one drain by reference.
 */
#ifndef LUAMILTER_REDIS_CONFIG_H
#define LUAMILTER_REDIS_CONFIG_H

#include <stddef.h>

#include "config.h"
#include "redis_url.h"

#define REDIS_DEFAULT_TIMEOUT 0.25
#define REDIS_DEFAULT_CONNECTIONS 16
#define REDIS_DEFAULT_MAX_REPLY (1u << 20)

/* the keys' values, as the config parser fills them */
struct redis_keys {
    char *url;                  /* redis, NULL if unset */
    double timeout;             /* redis_timeout */
    int connections;            /* redis_connections */
    size_t max_reply;           /* redis_max_reply */
};

/* what a pool is made from */
struct redis_config {
    char *url;                  /* the redis line as given, NULL if unset */
    struct redis_target target; /* url parsed */
    double timeout;             /* redis_timeout, seconds */
    int connections;            /* redis_connections */
    size_t max_reply;           /* redis_max_reply, bytes */
};

extern const struct config_section redis_config_section;

void redis_config_init(struct redis_config *rc);
void redis_config_free(struct redis_config *rc);
int redis_config_from(const struct redis_keys *k, struct redis_config *rc,
                      char *err, size_t errlen);
int redis_keys_same(const struct redis_keys *a, const struct redis_keys *b);

#endif
