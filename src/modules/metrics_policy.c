/*
 * metrics_policy.c - Policy.metrics and self:metric (metrics_policy.h).
 *
 *   Policy.metrics = {
 *     greylist = { type = "counter", help = "...", labels = { "outcome" } },
 *     score = { type = "histogram", help = "...", buckets = { 0, 1, 5 } },
 *   }
 *   self:metric("greylist", 1, { outcome = "new" })
 *
 * A metric NAME is exported as luamilter_policy_NAME (counters with
 * _total).  Label values are bytes from the policy, perhaps from mail:
 * invalid UTF-8 and NUL become U+FFFD and a value is cut at
 * METRIC_LABEL_VALUE_MAX bytes, so they never break the output; a misused
 * call (unknown metric or label, wrong value type) raises.
 */
#include "metrics.h"
#include "metrics_policy.h"
#include "metrics_registry.h"
#include "json.h"
#include "lconn.h"
#include "script.h"

#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double default_buckets[] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

/* bad_suffix - the reserved suffix name ends with, or NULL */
static const char *
bad_suffix(const char *name, size_t len)
{
    static const char *const suffixes[] = {"_total", "_count", "_sum",
                                           "_bucket", NULL};
    int i;

    for (i = 0; suffixes[i] != NULL; i++) {
        size_t n = strlen(suffixes[i]);
        if (len >= n && strcmp(name + len - n, suffixes[i]) == 0)
            return suffixes[i];
    }
    return NULL;
}

/* check_name - a policy metric name: [a-z][a-z0-9_]*, no reserved suffix */
static int
check_name(const char *name, size_t len, char *err, size_t errlen)
{
    size_t i;
    const char *suffix;

    if (len == 0 || len > METRICS_POLICY_NAME_MAX) {
        snprintf(err, errlen, "metric names have 1 to %d characters",
                 METRICS_POLICY_NAME_MAX);
        return -1;
    }
    for (i = 0; i < len; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') ||
              (i > 0 && ((ch >= '0' && ch <= '9') || ch == '_')))) {
            snprintf(err, errlen, "a metric name matches [a-z][a-z0-9_]*");
            return -1;
        }
    }
    if ((suffix = bad_suffix(name, len)) != NULL) {
        snprintf(err, errlen, "a metric name may not end in %s (luamilter "
                 "adds the suffixes Prometheus expects)", suffix);
        return -1;
    }
    return 0;
}

/* check_label_name - [a-zA-Z_][a-zA-Z0-9_]*, not __*, not le */
static int
check_label_name(const char *s, size_t len, char *err, size_t errlen)
{
    size_t i;

    if (len == 0 || len >= METRIC_LABEL_NAME_MAX) {
        snprintf(err, errlen, "label names have 1 to %d characters",
                 METRIC_LABEL_NAME_MAX - 1);
        return -1;
    }
    for (i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              ch == '_' || (i > 0 && ch >= '0' && ch <= '9'))) {
            snprintf(err, errlen, "label '%s': a label name matches "
                     "[a-zA-Z_][a-zA-Z0-9_]*", s);
            return -1;
        }
    }
    if (strncmp(s, "__", 2) == 0 || strcmp(s, "le") == 0) {
        snprintf(err, errlen, "label '%s' is reserved by Prometheus", s);
        return -1;
    }
    return 0;
}

/* read_labels - the labels list of a definition at idx into d */
static int
read_labels(lua_State *L, int idx, struct metric_def *d, char *err,
            size_t errlen)
{
    lua_Integer i, n;

    if (lua_isnil(L, idx))
        return 0;
    if (!lua_istable(L, idx)) {
        snprintf(err, errlen, "labels must be a list of label names, got %s",
                 luaL_typename(L, idx));
        return -1;
    }
    n = (lua_Integer)lua_rawlen(L, idx);
    if (n > METRIC_LABELS_MAX) {
        snprintf(err, errlen, "at most %d labels", METRIC_LABELS_MAX);
        return -1;
    }
    for (i = 1; i <= n; i++) {
        size_t len;
        const char *s;
        lua_rawgeti(L, idx, i);
        if (lua_type(L, -1) != LUA_TSTRING) {
            snprintf(err, errlen, "labels[%d] must be a string, got %s",
                     (int)i, luaL_typename(L, -1));
            lua_pop(L, 1);
            return -1;
        }
        s = lua_tolstring(L, -1, &len);
        if (check_label_name(s, len, err, errlen) < 0) {
            lua_pop(L, 1);
            return -1;
        }
        memcpy(d->labels[d->nlabels++], s, len + 1);
        lua_pop(L, 1);
    }
    return metric_def_sort_labels(d, err, errlen);
}

/* read_buckets - the buckets of a histogram definition at idx into d */
static int
read_buckets(lua_State *L, int idx, struct metric_def *d, char *err,
             size_t errlen)
{
    lua_Integer i, n;

    if (lua_isnil(L, idx)) {
        d->nbounds = (int)(sizeof default_buckets / sizeof default_buckets[0]);
        memcpy(d->bounds, default_buckets, sizeof default_buckets);
        return 0;
    }
    if (!lua_istable(L, idx) || (n = (lua_Integer)lua_rawlen(L, idx)) < 1 ||
        n > METRIC_BUCKETS_MAX) {
        snprintf(err, errlen, "buckets must be a list of 1 to %d numbers",
                 METRIC_BUCKETS_MAX);
        return -1;
    }
    for (i = 1; i <= n; i++) {
        double b;
        lua_rawgeti(L, idx, i);
        b = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(b) ||
            (i > 1 && !(b > d->bounds[i - 2]))) {
            snprintf(err, errlen, "buckets[%d]: buckets are finite numbers "
                     "in increasing order", (int)i);
            lua_pop(L, 1);
            return -1;
        }
        d->bounds[d->nbounds++] = b;
        lua_pop(L, 1);
    }
    return 0;
}

/* read_type - the type field at idx */
static int
read_type(lua_State *L, int idx, struct metric_def *d, char *err,
          size_t errlen)
{
    const char *t = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx)
                                                    : "";

    if (strcmp(t, "counter") == 0)
        d->type = METRIC_COUNTER;
    else if (strcmp(t, "gauge") == 0)
        d->type = METRIC_GAUGE;
    else if (strcmp(t, "histogram") == 0)
        d->type = METRIC_HISTOGRAM;
    else {
        snprintf(err, errlen, "type must be \"counter\", \"gauge\" or "
                 "\"histogram\"");
        return -1;
    }
    return 0;
}

/* read_help - the help field at idx: one line of UTF-8 text */
static int
read_help(lua_State *L, int idx, struct metric_def *d, char *err,
          size_t errlen)
{
    size_t len = 0;
    const char *h = lua_type(L, idx) == LUA_TSTRING
                    ? lua_tolstring(L, idx, &len) : NULL;

    if (h == NULL || len == 0 || len > METRIC_HELP_MAX ||
        memchr(h, '\0', len) != NULL ||
        json_utf8_valid((const unsigned char *)h, len) != len) {
        snprintf(err, errlen, "help must be a description of 1 to %d bytes "
                 "of UTF-8 text", METRIC_HELP_MAX);
        return -1;
    }
    d->help = h;                    /* anchored in the class until declared */
    return 0;
}

/* check_fields - a definition at idx has only known fields */
static int
check_fields(lua_State *L, int idx, char *err, size_t errlen)
{
    static const char *const known[] = {"type", "help", "labels", "buckets",
                                        NULL};
    int i, ok;

    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                       : NULL;
        for (i = ok = 0; k != NULL && known[i] != NULL && !ok; i++)
            ok = strcmp(k, known[i]) == 0;
        lua_pop(L, 1);
        if (!ok) {
            snprintf(err, errlen, "unknown field '%s' (type, help, labels, "
                     "buckets)", k != NULL ? k : luaL_typename(L, -1));
            lua_pop(L, 1);
            return -1;
        }
    }
    return 0;
}

/* read_def - the definition at idx into d (named name); d->help points
 * into the definition, which the class keeps alive */
static int
read_def(lua_State *L, int idx, const char *name, struct metric_def *d,
         char *err, size_t errlen)
{
    int top = lua_gettop(L), rc = -1;

    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s%s", METRICS_POLICY_PREFIX, name);
    if (!lua_istable(L, idx)) {
        snprintf(err, errlen, "must be a table {type = ..., help = ...}, "
                 "got %s", luaL_typename(L, idx));
        return -1;
    }
    lua_getfield(L, idx, "type");
    lua_getfield(L, idx, "help");
    lua_getfield(L, idx, "labels");
    lua_getfield(L, idx, "buckets");
    if (check_fields(L, idx, err, errlen) == 0 &&
        read_type(L, top + 1, d, err, errlen) == 0 &&
        read_help(L, top + 2, d, err, errlen) == 0 &&
        read_labels(L, top + 3, d, err, errlen) == 0) {
        if (d->type == METRIC_HISTOGRAM)
            rc = read_buckets(L, top + 4, d, err, errlen);
        else if (!lua_isnil(L, top + 4))
            snprintf(err, errlen, "only a histogram has buckets");
        else
            rc = 0;
    }
    lua_settop(L, top);
    return rc;
}

/* read_class - every definition of the metrics table at t into defs */
static int
read_class(lua_State *L, int t, struct metric_def *defs, int *n, char *err,
           size_t errlen)
{
    char why[512];

    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        size_t len;
        const char *name;
        if (lua_type(L, -2) != LUA_TSTRING) {
            snprintf(err, errlen, "metrics: the keys are metric names, got "
                     "a %s", luaL_typename(L, -2));
            return -1;
        }
        name = lua_tolstring(L, -2, &len);
        if (check_name(name, len, why, sizeof why) < 0) {
            snprintf(err, errlen, "metrics.%s: %s", name, why);
            return -1;
        }
        if (*n == METRICS_POLICY_PER_CLASS) {
            snprintf(err, errlen, "metrics: at most %d metrics",
                     METRICS_POLICY_PER_CLASS);
            return -1;
        }
        if (read_def(L, lua_gettop(L), name, &defs[*n], why, sizeof why) < 0) {
            snprintf(err, errlen, "metrics.%s: %s", name, why);
            return -1;
        }
        (*n)++;
        lua_pop(L, 1);
    }
    return 0;
}

/* metrics_policy_declare - check and register the class's metrics; those
 * of a live state take effect at once, others when owner serves */
int
metrics_policy_declare(lua_State *L, int cls, int mode, const char *owner,
                       char *err, size_t errlen)
{
    struct metric_def *defs;
    int top = lua_gettop(L), t, n = 0, rc;

    cls = lua_absindex(L, cls);
    lua_getfield(L, cls, "metrics");
    t = lua_gettop(L);
    if (lua_isnil(L, t)) {
        lua_settop(L, top);
        return 0;
    }
    if (!lua_istable(L, t)) {
        snprintf(err, errlen, "metrics must be a table {name = {type = ..., "
                 "help = ...}}, got %s", luaL_typename(L, t));
        lua_settop(L, top);
        return -1;
    }
    defs = calloc(METRICS_POLICY_PER_CLASS, sizeof *defs);
    if (defs == NULL) {
        snprintf(err, errlen, "metrics: out of memory");
        lua_settop(L, top);
        return -1;
    }
    rc = read_class(L, t, defs, &n, err, errlen);
    if (rc == 0)
        rc = metrics_registry_declare(defs, n, mode == MODULE_LIVE, owner,
                                      err, errlen);
    free(defs);
    lua_settop(L, top);
    return rc;
}

/* metrics_declare_from_class - metrics_policy_declare for the state L
 * belongs to (its mode, its script's version) */
int
metrics_declare_from_class(lua_State *L, int class_index, char *err,
                           size_t errlen)
{
    struct lconn *c = lstate_owner(L);

    return metrics_policy_declare(L, class_index,
                                  c != NULL ? c->mode : MODULE_REPLAY,
                                  c != NULL && c->script != NULL
                                  ? c->script->hash : "", err, errlen);
}

/* put_value - append a label value to key at *len as valid UTF-8 (an
 * invalid byte or a NUL becomes U+FFFD), cut at METRIC_LABEL_VALUE_MAX
 * bytes on a character boundary, then its NUL */
static void
put_value(char *key, size_t *len, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, out = 0, k, w;
    char *dst = key + *len;

    if (json_utf8_valid(u, n) == n && memchr(s, '\0', n) == NULL &&
        n <= METRIC_LABEL_VALUE_MAX) {
        memcpy(dst, s, n);              /* the usual case */
        out = n;
        i = n;
    }
    while (i < n) {
        for (k = 0, w = 1; w <= 4 && i + w <= n && k == 0; w++)
            k = u[i] != 0 ? json_utf8_valid(u + i, w) : 0;
        if (k == 0) {                   /* a bad byte */
            if (out + 3 > METRIC_LABEL_VALUE_MAX)
                break;
            memcpy(dst + out, "\xef\xbf\xbd", 3);
            out += 3;
            i++;
        } else {
            if (out + k > METRIC_LABEL_VALUE_MAX)
                break;
            memcpy(dst + out, s + i, k);
            out += k;
            i += k;
        }
    }
    dst[out] = '\0';
    *len += out + 1;
}

/* label_list - "a, b" of a family's labels, for messages */
static const char *
label_list(const struct metric_def *d, char *out, size_t len)
{
    size_t used = 0;
    int i;

    out[0] = '\0';
    for (i = 0; i < d->nlabels; i++) {
        snprintf(out + used, len - used, "%s%s", i > 0 ? ", " : "",
                 d->labels[i]);
        used = strlen(out);
    }
    return out;
}

/* metric_key - the series key from the labels table at idx; raises on a
 * missing, unknown or mistyped label */
static size_t
metric_key(lua_State *L, int idx, const struct metric_def *d,
           const char *name, char *key)
{
    char names[METRIC_LABELS_MAX * METRIC_LABEL_NAME_MAX];
    size_t len = 0;
    int i;

    if (lua_isnoneornil(L, idx)) {
        if (d->nlabels > 0)
            luaL_error(L, "metric: '%s' needs its labels {%s}", name,
                       label_list(d, names, sizeof names));
        return 0;
    }
    if (!lua_istable(L, idx))
        luaL_error(L, "metric: labels must be a table {label = value}, got "
                   "%s", luaL_typename(L, idx));
    for (i = 0; i < d->nlabels; i++) {
        size_t n;
        const char *v;
        int t = lua_getfield(L, idx, d->labels[i]);
        if (t == LUA_TNIL)
            luaL_error(L, "metric: '%s' needs label '%s'", name,
                       d->labels[i]);
        if (t != LUA_TSTRING && t != LUA_TNUMBER)
            luaL_error(L, "metric: label '%s' of '%s' must be a string or a "
                       "number, got %s", d->labels[i], name,
                       luaL_typename(L, -1));
        v = lua_tolstring(L, -1, &n);
        put_value(key, &len, v, n);
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                       : NULL;
        int known = 0;
        for (i = 0; k != NULL && i < d->nlabels && !known; i++)
            known = strcmp(k, d->labels[i]) == 0;
        if (!known)
            luaL_error(L, "metric: '%s' has no label '%s' (its labels: %s)",
                       name, k != NULL ? k : luaL_typename(L, -2),
                       d->nlabels > 0 ? label_list(d, names, sizeof names)
                                      : "none");
        lua_pop(L, 1);
    }
    return len;
}

/* metrics_policy_metric - self:metric(name, value [, labels]) in a state
 * serving mode: counts in MODULE_LIVE, only checks elsewhere */
int
metrics_policy_metric(lua_State *L, int mode)
{
    char full[METRIC_NAME_MAX], key[METRIC_KEY_MAX + METRIC_LABELS_MAX];
    size_t nlen, keylen;
    const char *name = luaL_checklstring(L, 2, &nlen);
    struct metric_family *f = NULL;
    struct metric_series *s;
    double v;

    if (nlen <= METRICS_POLICY_NAME_MAX && memchr(name, '\0', nlen) == NULL) {
        memcpy(full, METRICS_POLICY_PREFIX, sizeof METRICS_POLICY_PREFIX - 1);
        memcpy(full + sizeof METRICS_POLICY_PREFIX - 1, name, nlen + 1);
        f = metrics_family_find(full);
    }
    if (f == NULL || (mode == MODULE_LIVE &&
                      __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) !=
                      METRIC_COMMITTED))
        return luaL_error(L, "metric: unknown metric '%s' (declare it in the "
                          "class's metrics table)", name);
    if (lua_type(L, 3) != LUA_TNUMBER)
        return luaL_error(L, "metric: the value of '%s' must be a number, got "
                          "%s", name, luaL_typename(L, 3));
    v = lua_tonumber(L, 3);
    if (f->def.type == METRIC_COUNTER && !(v >= 0))
        return luaL_error(L, "metric: counter '%s' only goes up: the value "
                          "must be >= 0", name);
    if (f->def.type == METRIC_HISTOGRAM && v != v)
        return luaL_error(L, "metric: histogram '%s' cannot observe NaN",
                          name);
    keylen = metric_key(L, 4, &f->def, name, key);
    if (mode != MODULE_LIVE)
        return 0;
    s = metrics_series_get(f, key, keylen);
    if (s != NULL)              /* NULL: past metrics_max_series, counted */
        metrics_series_record(s, v);
    return 0;
}

/* metrics_lua_metric - self:metric as an action: the mode is that of the
 * state's owner (or of the module's env, as milter.metrics.metric) */
int
metrics_lua_metric(lua_State *L)
{
    const struct module_env *env = lua_touserdata(L, lua_upvalueindex(1));
    struct lconn *c;

    if (env != NULL)
        return metrics_policy_metric(L, (int)env->mode);
    c = lstate_owner(L);
    return metrics_policy_metric(L, c != NULL ? c->mode : MODULE_REPLAY);
}

/* metrics_gen_check - the module's gen_check: a generation's check state
 * declares the class's metrics (a redefinition refuses the generation) */
int
metrics_gen_check(lua_State *L, int cls, void *data, const struct script *s,
                  char *err, size_t errlen)
{
    (void)data;
    (void)s;
    return metrics_declare_from_class(L, cls, err, errlen);
}
