/*
 * redis_config.c - the Redis client's config keys in the one table, and
 * the pool's settings made from them (see redis_config.h).
 */
#include "redis_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* check_url - a redis value: an address redis_url_parse takes */
static int
check_url(const char *v, char *err, size_t errlen)
{
    struct redis_target t;
    int rc = redis_url_parse(v, &t, err, errlen);

    memset(&t, 0, sizeof t);                    /* the password */
    return rc;
}

#define K(name) offsetof(struct redis_keys, name)

/* name, type, offset, default, lo, hi, words, flags, check, help */
static const struct config_key redis_keys_table[] = {
    {"redis", CT_STRING, K(url), NULL, 0, 0, NULL,
     CK_RELOAD | CK_EMPTY_UNSETS | CK_SECRET, check_url,
     "the Redis server: redis://[:PASSWORD@]IP[:PORT][/DB] or "
     "unix:/PATH[?db=N]"},
    {"redis_timeout", CT_SECONDS, K(timeout), "0.25", 0.01, 60, NULL,
     CK_RELOAD, NULL,
     "seconds that bound a Redis connect and each call"},
    {"redis_connections", CT_INT, K(connections), "16", 1, 1024, NULL,
     CK_RELOAD, NULL, "most connections held open to Redis"},
    {"redis_max_reply", CT_SIZE, K(max_reply), "1M", 1024, 512 << 20, NULL,
     CK_RELOAD | CK_POSITIVE, NULL, "most bytes one Redis call may read"},
};

const struct config_section redis_config_section = {
    "milter.redis", redis_keys_table,
    sizeof redis_keys_table / sizeof redis_keys_table[0],
    sizeof(struct redis_keys), NULL
};

/* redis_config_init - the defaults: no server */
void
redis_config_init(struct redis_config *rc)
{
    memset(rc, 0, sizeof *rc);
    rc->timeout = REDIS_DEFAULT_TIMEOUT;
    rc->connections = REDIS_DEFAULT_CONNECTIONS;
    rc->max_reply = REDIS_DEFAULT_MAX_REPLY;
}

/* redis_config_free - release the kept URL, wipe the password */
void
redis_config_free(struct redis_config *rc)
{
    if (rc->url != NULL)
        memset(rc->url, 0, strlen(rc->url));
    free(rc->url);
    memset(rc, 0, sizeof *rc);
}

/* redis_config_from - the pool's settings from the parsed keys; -1 and
 * what is wrong (the URL, or out of memory) */
int
redis_config_from(const struct redis_keys *k, struct redis_config *rc,
                  char *err, size_t errlen)
{
    redis_config_init(rc);
    rc->timeout = k->timeout;
    rc->connections = k->connections;
    rc->max_reply = k->max_reply;
    if (k->url == NULL)
        return 0;
    if (redis_url_parse(k->url, &rc->target, err, errlen) < 0)
        return -1;
    rc->url = strdup(k->url);
    if (rc->url == NULL) {
        redis_config_free(rc);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* redis_keys_same - whether a and b describe the same pool (a reload
 * keeps the running pool then) */
int
redis_keys_same(const struct redis_keys *a, const struct redis_keys *b)
{
    if ((a->url == NULL) != (b->url == NULL))
        return 0;
    return (a->url == NULL || strcmp(a->url, b->url) == 0) &&
           a->timeout == b->timeout && a->connections == b->connections &&
           a->max_reply == b->max_reply;
}
