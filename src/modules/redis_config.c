/*
 * redis_config.c - parse and hold the Redis client's config keys (see
 * redis_config.h).
 */
#include "redis_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const redis_config_keys[] = {
    "redis", "redis_timeout", "redis_connections", "redis_max_reply", NULL
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

/* forget_url - wipe (it holds the password) and free the kept URL */
static void
forget_url(struct redis_config *rc)
{
    if (rc->url != NULL)
        memset(rc->url, 0, strlen(rc->url));
    free(rc->url);
    rc->url = NULL;
}

/* redis_config_free - release what redis_config_set kept, wipe the
 * password */
void
redis_config_free(struct redis_config *rc)
{
    forget_url(rc);
    memset(rc, 0, sizeof *rc);
}

/* set_url - the redis key */
static int
set_url(struct redis_config *rc, const char *v, char *err, size_t errlen)
{
    struct redis_target t;
    char *copy;

    if (redis_url_parse(v, &t, err, errlen) < 0)
        return -1;
    copy = strdup(v);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    forget_url(rc);
    rc->url = copy;
    rc->target = t;
    return 0;
}

/* set_timeout - redis_timeout: seconds, decimals allowed, s or ms */
static int
set_timeout(struct redis_config *rc, const char *v, char *err, size_t errlen)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (strcmp(end, "ms") == 0)
        d /= 1000, end += 2;
    else if (*end == 's')
        end++;
    if (end == v || *end != '\0' || errno != 0 || !(d >= 0.01) || d > 60) {
        snprintf(err, errlen, "'%s' is not a number of seconds from 0.01 to "
                 "60 (decimals allowed, e.g. 0.25 or 250ms)", v);
        return -1;
    }
    rc->timeout = d;
    return 0;
}

/* set_connections - redis_connections: 1 to 1024 */
static int
set_connections(struct redis_config *rc, const char *v, char *err,
                size_t errlen)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (end == v || *end != '\0' || errno != 0 || n < 1 || n > 1024) {
        snprintf(err, errlen, "'%s' is not a number of connections from 1 to "
                 "1024", v);
        return -1;
    }
    rc->connections = (int)n;
    return 0;
}

/* unit_factor - 1 for "" or "B", 1024^n for K, M, G (KB, KiB, ...), 0 for
 * anything else */
static unsigned long long
unit_factor(const char *s)
{
    static const char units[] = "KMG";
    const char *u;

    while (*s == ' ')
        s++;
    if (*s == '\0' || strcmp(s, "B") == 0 || strcmp(s, "b") == 0)
        return 1;
    u = strchr(units, toupper((unsigned char)*s));
    if (u == NULL)
        return 0;
    s += s[1] == 'i' ? 2 : 1;
    if (*s == 'B' || *s == 'b')
        s++;
    return *s == '\0' ? 1ULL << (10 * (u - units + 1)) : 0;
}

/* set_max_reply - redis_max_reply: bytes, K, M or G, 1K to 512M */
static int
set_max_reply(struct redis_config *rc, const char *v, char *err,
              size_t errlen)
{
    char *end;
    unsigned long long n, f;

    errno = 0;
    n = strtoull(v, &end, 10);
    f = end != v && v[0] != '-' && errno == 0 ? unit_factor(end) : 0;
    if (f == 0 || n > (512ULL << 20) / f || n * f < 1024) {
        snprintf(err, errlen, "'%s' is not a size from 1K to 512M (bytes, or "
                 "with a K, M or G suffix)", v);
        return -1;
    }
    rc->max_reply = (size_t)(n * f);
    return 0;
}

/* redis_config_set - apply key = value: 0 done, -1 a bad value (err says
 * what is wrong, without the key), 1 the key is not a Redis one */
int
redis_config_set(struct redis_config *rc, const char *key, const char *value,
                 char *err, size_t errlen)
{
    if (strcmp(key, "redis") == 0)
        return set_url(rc, value, err, errlen);
    if (strcmp(key, "redis_timeout") == 0)
        return set_timeout(rc, value, err, errlen);
    if (strcmp(key, "redis_connections") == 0)
        return set_connections(rc, value, err, errlen);
    if (strcmp(key, "redis_max_reply") == 0)
        return set_max_reply(rc, value, err, errlen);
    return 1;
}

/* redis_config_same - whether a and b describe the same pool (a reload
 * keeps the running pool then) */
int
redis_config_same(const struct redis_config *a, const struct redis_config *b)
{
    if ((a->url == NULL) != (b->url == NULL))
        return 0;
    return (a->url == NULL || strcmp(a->url, b->url) == 0) &&
           a->timeout == b->timeout && a->connections == b->connections &&
           a->max_reply == b->max_reply;
}
