/*
 * config.c - the configuration file, from one table of keys (config.h).
 */
#include "config.h"
#include "config_keys.h"
#include "fileio.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct config_section *sections[CONFIG_SECTIONS_MAX];
static size_t nsections;

/* ensure_core - the core's table is always section 0 */
static void
ensure_core(void)
{
    if (nsections == 0) {
        sections[0] = &config_core_section;
        nsections = 1;
    }
}

/* config_add_section - register a module's keys; its id, or -1 when the
 * table is full or a key name is taken */
int
config_add_section(const struct config_section *sec)
{
    size_t i, j, k;

    ensure_core();
    for (i = 0; i < nsections; i++) {
        if (sections[i] == sec)
            return (int)i;
        for (j = 0; j < sections[i]->nkeys; j++)
            for (k = 0; k < sec->nkeys; k++)
                if (strcmp(sections[i]->keys[j].name, sec->keys[k].name) == 0)
                    return -1;
    }
    if (nsections == CONFIG_SECTIONS_MAX)
        return -1;
    sections[nsections] = sec;
    return (int)nsections++;
}

/* config_nsections - how many sections there are (the core included) */
size_t
config_nsections(void)
{
    ensure_core();
    return nsections;
}

/* config_section_at - the i-th section's table */
const struct config_section *
config_section_at(size_t i)
{
    ensure_core();
    return i < nsections ? sections[i] : NULL;
}

/* config_section - the block of section id in cfg (the core: cfg) */
void *
config_section(const struct config *cfg, int id)
{
    if (id <= 0)
        return (void *)cfg;
    return id < CONFIG_SECTIONS_MAX ? cfg->section[id] : NULL;
}

/* total_keys - keys in every section, for the line table */
static size_t
total_keys(void)
{
    size_t i, n = 0;

    for (i = 0; i < nsections; i++)
        n += sections[i]->nkeys;
    return n;
}

/* find_key - the key called name: its section and index; NULL if none */
static const struct config_key *
find_key(const char *name, size_t *sec, size_t *slot)
{
    size_t i, j, n = 0;

    ensure_core();
    for (i = 0; i < nsections; i++) {
        for (j = 0; j < sections[i]->nkeys; j++, n++) {
            if (strcmp(sections[i]->keys[j].name, name) == 0) {
                *sec = i;
                *slot = n;
                return &sections[i]->keys[j];
            }
        }
    }
    return NULL;
}

/* value_at - where key k of section sec keeps its value in cfg */
static void *
value_at(const struct config *cfg, size_t sec, const struct config_key *k)
{
    char *block = config_section(cfg, (int)sec);

    return block != NULL ? block + k->offset : NULL;
}

/* list_free - release the items of a list value */
static void
list_free(struct config_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->items[i].value);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* value_free - release what a key's value owns */
static void
value_free(const struct config_key *k, void *p)
{
    if (p == NULL)
        return;
    if (k->type == CT_STRING) {
        if ((k->flags & CK_SECRET) && *(char **)p != NULL)
            memset(*(char **)p, 0, strlen(*(char **)p));
        free(*(char **)p);
        *(char **)p = NULL;
    } else if (k->type == CT_LIST) {
        list_free(p);
    }
}

/* parse_whole - a decimal integer within [lo, hi] */
static int
parse_whole(const char *v, double lo, double hi, long *out, char *err,
            size_t errlen)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (v[0] == '\0' || *end != '\0' || errno != 0 || n < (long)lo ||
        n > (long)hi) {
        snprintf(err, errlen, "'%s' is not a whole number from %ld to %ld",
                 v, (long)lo, (long)hi);
        return -1;
    }
    *out = n;
    return 0;
}

/* parse_octal - an octal mode within [lo, hi] */
static int
parse_octal(const char *v, double lo, double hi, long *out, char *err,
            size_t errlen)
{
    char *end;
    long n;

    n = strtol(v, &end, 8);
    if (v[0] == '\0' || *end != '\0' || n < (long)lo || n > (long)hi ||
        strspn(v, "01234567") != strlen(v)) {
        snprintf(err, errlen, "'%s' is not an octal mode from %lo to 0%lo", v,
                 (long)lo, (long)hi);
        return -1;
    }
    *out = n;
    return 0;
}

/* parse_seconds - seconds (decimals allowed, optional "s" or "ms") from
 * lo to hi; 0 only if zero_ok */
static int
parse_seconds(const char *v, double lo, double hi, int zero_ok, double *out,
              char *err, size_t errlen)
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
    if (v[0] == '\0' || *end != '\0' || errno != 0 || !(d >= lo) || d > hi ||
        (d == 0 && !zero_ok)) {
        char from[32];
        if (zero_ok)
            snprintf(from, sizeof from, "%g", lo);
        else
            snprintf(from, sizeof from, "more than 0");
        snprintf(err, errlen, "'%s' is not a number of seconds from %s to %g "
                 "(decimals allowed, e.g. 10 or 0.5)", v, from, hi);
        return -1;
    }
    *out = d;
    return 0;
}

/* size_suffix - the multiplier of K, M or G (KB, KiB, ... too); 0 if the
 * text is not one, 1 if it is empty or "B" */
static unsigned long long
size_suffix(const char *s)
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
    s++;
    if (*s == 'i')
        s++;
    if (*s == 'B' || *s == 'b')
        s++;
    return *s == '\0' ? 1ULL << (10 * (u - units + 1)) : 0;
}

/* size_text - a byte count the way an admin writes it (64K, 1G, 1000) */
static void
size_text(unsigned long long n, char *out, size_t len)
{
    static const char units[] = "KMGT";
    int i = -1;

    while (n != 0 && n % 1024 == 0 && i < 3) {
        n /= 1024;
        i++;
    }
    if (i < 0)
        snprintf(out, len, "%llu", n);
    else
        snprintf(out, len, "%llu%c", n, units[i]);
}

/* parse_size - bytes with an optional K, M or G suffix in [lo, hi], or 0
 * if zero_ok */
static int
parse_size(const char *v, double lo, double hi, int zero_ok, size_t *out,
           char *err, size_t errlen)
{
    char *end, los[32], his[32];
    unsigned long long n, mult;

    errno = 0;
    n = strtoull(v, &end, 10);
    mult = end != v ? size_suffix(end) : 0;
    if (v[0] == '-' || mult == 0 || errno != 0 ||
        n > (unsigned long long)hi / mult ||
        (n != 0 && n * mult < (unsigned long long)lo) ||
        (n == 0 && !zero_ok)) {
        size_text((unsigned long long)lo, los, sizeof los);
        size_text((unsigned long long)hi, his, sizeof his);
        snprintf(err, errlen, "'%s' is not a size from %s to %s (bytes, or "
                 "with a K, M or G suffix)%s", v, los, his,
                 zero_ok ? ", or 0 for no limit" : "");
        return -1;
    }
    *out = (size_t)(n * mult);
    return 0;
}

/* words_text - "a, b, c" of a word list */
static void
words_text(const char *const *words, char *out, size_t len)
{
    size_t used = 0;
    int i;

    out[0] = '\0';
    for (i = 0; words[i] != NULL && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s",
                                 i > 0 ? ", " : "", words[i]);
}

/* parse_word - the index of v among words (any case) */
static int
parse_word(const char *v, const char *const *words, int *out, char *err,
           size_t errlen)
{
    char list[256];
    int i;

    for (i = 0; words[i] != NULL; i++) {
        if (strcasecmp(v, words[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    words_text(words, list, sizeof list);
    snprintf(err, errlen, "'%s' is not one of %s", v, list);
    return -1;
}

/* parse_flags - a comma or space separated list of words, as bits */
static int
parse_flags(const char *v, const char *const *words, unsigned *out,
            char *err, size_t errlen)
{
    char buf[512], *tok, *save = NULL;
    unsigned bits = 0;
    int i;

    snprintf(buf, sizeof buf, "%s", v);
    for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
         tok = strtok_r(NULL, ", \t", &save)) {
        if (parse_word(tok, words, &i, err, errlen) < 0)
            return -1;
        bits |= 1u << i;
    }
    *out = bits;
    return 0;
}

/* parse_bool - yes/no and their usual synonyms, any case */
static int
parse_bool(const char *v, int *out, char *err, size_t errlen)
{
    static const char *const yes[] = {"yes", "true", "on", "1", NULL};
    static const char *const no[] = {"no", "false", "off", "0", NULL};
    int i;

    for (i = 0; yes[i] != NULL; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return 0;
        }
    }
    snprintf(err, errlen, "'%s' is not yes or no", v);
    return -1;
}

/* first_word - the length of v's first word, after leading blanks (*at) */
static size_t
first_word(const char *v, const char **at)
{
    while (*v == ' ' || *v == '\t')
        v++;
    *at = v;
    return strcspn(v, " \t");
}

/* list_unique - a CK_UNIQUE list does not hold v's name yet */
static int
list_unique(const struct config_list *l, const char *v, char *err,
            size_t errlen)
{
    const char *name, *other;
    size_t n = first_word(v, &name), i;

    for (i = 0; i < l->n; i++) {
        if (first_word(l->items[i].value, &other) == n &&
            memcmp(name, other, n) == 0) {
            snprintf(err, errlen, "'%.*s' is declared twice (first at line "
                     "%d)", (int)(n > 80 ? 80 : n), name, l->items[i].line);
            return -1;
        }
    }
    return 0;
}

/* list_append - add one line's value to a list */
static int
list_append(struct config_list *l, const char *v, int line, char *err,
            size_t errlen)
{
    struct config_item *more = realloc(l->items, (l->n + 1) * sizeof *more);
    char *copy = strdup(v);

    if (more == NULL || copy == NULL) {
        free(copy);
        if (more != NULL)
            l->items = more;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->items = more;
    l->items[l->n].value = copy;
    l->items[l->n].line = line;
    l->n++;
    return 0;
}

/* store - parse v as key k's type into p */
static int
store(const struct config_key *k, void *p, const char *v, int line,
      char *err, size_t errlen)
{
    long n;
    double d;
    size_t z;
    int i;
    unsigned u;
    char *copy;

    if (k->check != NULL && !(k->type == CT_STRING && v[0] == '\0' &&
                              (k->flags & CK_EMPTY_UNSETS)) &&
        k->check(v, err, errlen) < 0)
        return -1;
    switch (k->type) {
    case CT_STRING:
        if (v[0] == '\0' && (k->flags & CK_NONEMPTY)) {
            snprintf(err, errlen, "empty %s", k->help != NULL ? k->help
                                                              : "value");
            return -1;
        }
        if (v[0] == '\0' && (k->flags & CK_EMPTY_UNSETS)) {
            value_free(k, p);
            return 0;
        }
        copy = strdup(v);
        if (copy == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        value_free(k, p);
        *(char **)p = copy;
        return 0;
    case CT_INT:
        if (parse_whole(v, k->lo, k->hi, &n, err, errlen) < 0)
            return -1;
        *(int *)p = (int)n;
        return 0;
    case CT_OCTAL:
        if (parse_octal(v, k->lo, k->hi, &n, err, errlen) < 0)
            return -1;
        *(int *)p = (int)n;
        return 0;
    case CT_SECONDS:
        if (parse_seconds(v, k->lo, k->hi, !(k->flags & CK_POSITIVE), &d,
                          err, errlen) < 0)
            return -1;
        *(double *)p = d;
        return 0;
    case CT_SIZE:
        if (parse_size(v, k->lo, k->hi, !(k->flags & CK_POSITIVE), &z, err,
                       errlen) < 0)
            return -1;
        *(size_t *)p = z;
        return 0;
    case CT_WORD:
        if (parse_word(v, k->words, &i, err, errlen) < 0)
            return -1;
        *(int *)p = i;
        return 0;
    case CT_FLAGS:
        if (parse_flags(v, k->words, &u, err, errlen) < 0)
            return -1;
        *(unsigned *)p = u;
        return 0;
    case CT_BOOL:
        if (parse_bool(v, &i, err, errlen) < 0)
            return -1;
        *(int *)p = i;
        return 0;
    case CT_LEVEL:
        i = log_level_parse(v);
        if (i < 0) {
            snprintf(err, errlen, "'%s' is not one of error, warning, "
                     "notice, info, debug", v);
            return -1;
        }
        *(int *)p = i;
        return 0;
    case CT_REPLY:
        return reply_parse(v, p, err, errlen);
    case CT_LIST:
        if ((k->flags & CK_UNIQUE) && list_unique(p, v, err, errlen) < 0)
            return -1;
        return list_append(p, v, line, err, errlen);
    }
    snprintf(err, errlen, "unknown key type");
    return -1;
}

/* set_key - apply one key = value given on line (0: not from a file) */
static int
set_key(struct config *cfg, const char *key, const char *value, int line,
        char *err, size_t errlen)
{
    const struct config_key *k;
    size_t sec, slot;
    char sub[512];
    void *p;

    k = find_key(key, &sec, &slot);
    if (k == NULL) {
        snprintf(err, errlen, "unknown key '%s'", key);
        return -1;
    }
    if (cfg->lines == NULL) {
        cfg->lines = calloc(total_keys(), sizeof *cfg->lines);
        if (cfg->lines == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    if (line > 0 && k->type != CT_LIST && cfg->lines[slot] > 0) {
        snprintf(err, errlen, "%s: already set at line %d (a key may be set "
                 "only once; remove one of the two lines)", key,
                 cfg->lines[slot]);
        return -1;
    }
    p = value_at(cfg, sec, k);
    if (p == NULL) {
        snprintf(err, errlen, "%s: its module's settings are missing", key);
        return -1;
    }
    if (store(k, p, value, line, sub, sizeof sub) < 0) {
        snprintf(err, errlen, "%s: %s", key, sub);
        return -1;
    }
    if (line > 0)
        cfg->lines[slot] = line;
    return 0;
}

/* config_set - apply one key = value (a command-line override) */
int
config_set(struct config *cfg, const char *key, const char *value, char *err,
           size_t errlen)
{
    return set_key(cfg, key, value, 0, err, errlen);
}

/* config_key_line - the line key was set on in cfg's file, 0 if none */
int
config_key_line(const struct config *cfg, const char *key)
{
    size_t sec, slot;

    if (cfg->lines == NULL || find_key(key, &sec, &slot) == NULL)
        return 0;
    return cfg->lines[slot];
}

/* apply_defaults - every key of section sec to its declared default */
static void
apply_defaults(struct config *cfg, size_t sec)
{
    const struct config_section *s = sections[sec];
    char err[512];
    size_t j;

    for (j = 0; j < s->nkeys; j++) {
        const struct config_key *k = &s->keys[j];
        if (k->def != NULL && store(k, value_at(cfg, sec, k), k->def, 0,
                                    err, sizeof err) < 0)
            log_err("config: default of %s: %s", k->name, err);
    }
}

/* config_init - fill in the defaults (every section's block allocated;
 * a block that cannot be had leaves its keys unsettable) */
void
config_init(struct config *cfg)
{
    size_t i;

    ensure_core();
    memset(cfg, 0, sizeof *cfg);
    for (i = 0; i < nsections; i++) {
        if (i > 0) {
            cfg->section[i] = calloc(1, sections[i]->size ? sections[i]->size
                                                          : 1);
            if (cfg->section[i] == NULL)
                continue;
        }
        apply_defaults(cfg, i);
    }
}

/* config_free - release everything a config owns */
void
config_free(struct config *cfg)
{
    size_t i, j;

    for (i = 0; i < nsections; i++) {
        for (j = 0; j < sections[i]->nkeys; j++)
            value_free(&sections[i]->keys[j],
                       value_at(cfg, i, &sections[i]->keys[j]));
        if (i > 0)
            free(cfg->section[i]);
    }
    free(cfg->file);
    free(cfg->lines);
    memset(cfg, 0, sizeof *cfg);
}

/* config_new - a config with the defaults, one reference held */
struct config *
config_new(void)
{
    struct config *cfg = malloc(sizeof *cfg);

    if (cfg == NULL)
        return NULL;
    config_init(cfg);
    cfg->refs = 1;
    return cfg;
}

/* config_ref - take a reference to a config made by config_new */
void
config_ref(struct config *cfg)
{
    if (cfg != NULL)
        __atomic_add_fetch(&cfg->refs, 1, __ATOMIC_RELAXED);
}

/* config_unref - drop a reference; the last one frees the config */
void
config_unref(struct config *cfg)
{
    if (cfg != NULL && __atomic_sub_fetch(&cfg->refs, 1, __ATOMIC_ACQ_REL)
                           == 0) {
        config_free(cfg);
        free(cfg);
    }
}

/* config_on_error_name - the config word for an on_error value */
const char *
config_on_error_name(int on_error)
{
    if (on_error < 0 || on_error > ONERR_ACCEPT)
        return "?";
    return config_on_error_words[on_error];
}

/* config_allow_name - the lua_allow word of a CONFIG_ALLOW_* bit */
const char *
config_allow_name(unsigned bit)
{
    int i;

    for (i = 0; config_allow_words[i] != NULL; i++)
        if (bit == 1u << i)
            return config_allow_words[i];
    return "?";
}

/* trim - strip white space at both ends, in place */
static char *
trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* strip_comment - cut a '#' comment that follows white space */
static void
strip_comment(char *s)
{
    int quoted = 0;
    char *p;

    for (p = s; *p != '\0'; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '#' && !quoted && (p == s || isspace((unsigned char)p[-1]))) {
            *p = '\0';
            return;
        }
    }
}

/* parse_line - one line: blank, comment, or key = value */
static int
parse_line(struct config *cfg, char *line, int lineno, char *err,
           size_t errlen)
{
    char *eq, *key, *value;
    size_t vlen;

    strip_comment(line);
    line = trim(line);
    if (*line == '\0')
        return 0;
    eq = strchr(line, '=');
    if (eq == NULL) {
        snprintf(err, errlen, "expected 'key = value', got '%.80s'", line);
        return -1;
    }
    *eq = '\0';
    key = trim(line);
    value = trim(eq + 1);
    if (*key == '\0') {
        snprintf(err, errlen, "missing key before '='");
        return -1;
    }
    vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = '\0';
        value++;
    } else if (strchr(value, '"') != NULL) {
        snprintf(err, errlen, "%s: unbalanced '\"' in value", key);
        return -1;
    }
    return set_key(cfg, key, value, lineno, err, errlen);
}

/* check_sections - each section's checks across keys, once a file is
 * read; the error names the line of the key it is about */
static int
check_sections(const struct config *cfg, const char *name, char *err,
               size_t errlen)
{
    char sub[600];
    const char *key;
    size_t i;

    for (i = 0; i < nsections; i++) {
        key = NULL;
        if (sections[i]->check != NULL &&
            sections[i]->check(cfg, sub, sizeof sub, &key) < 0) {
            snprintf(err, errlen, "%s:%d: %s", name,
                     key != NULL ? config_key_line(cfg, key) : 0, sub);
            return -1;
        }
    }
    return 0;
}

/* config_parse - parse a whole file's text; name is used in messages */
int
config_parse(struct config *cfg, const char *name, const char *text,
             char *err, size_t errlen)
{
    const char *p = text;
    int lineno = 0;
    char sub[600];

    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        char line[4096];

        lineno++;
        if (len >= sizeof line) {
            snprintf(err, errlen, "%s:%d: line longer than %zu bytes", name,
                     lineno, sizeof line - 1);
            return -1;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        if (parse_line(cfg, line, lineno, sub, sizeof sub) < 0) {
            snprintf(err, errlen, "%s:%d: %s", name, lineno, sub);
            return -1;
        }
        p += len + (nl != NULL);
    }
    return check_sections(cfg, name, err, errlen);
}

/* config_load - read and parse a file, remembering its path */
int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *text = fileio_read_regular(path, 1u << 20, &len, err, errlen);
    int rc;

    if (text == NULL)
        return -1;
    if (strlen(text) != len) {
        free(text);
        snprintf(err, errlen, "%s: contains a NUL byte", path);
        return -1;
    }
    rc = config_parse(cfg, path, text, err, errlen);
    free(text);
    if (rc == 0) {
        char *copy = strdup(path);
        if (copy == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        free(cfg->file);
        cfg->file = copy;
    }
    return rc;
}

/* flags_text - the words of the bits set, comma separated */
static void
flags_text(unsigned bits, const char *const *words, char *out, size_t len)
{
    size_t used = 0;
    int i;

    out[0] = '\0';
    for (i = 0; words[i] != NULL && used < len; i++)
        if (bits & (1u << i))
            used += (size_t)snprintf(out + used, len - used, "%s%s",
                                     used > 0 ? ", " : "", words[i]);
}

/* is_unset - whether p holds key k's "not set" value (no default, and a
 * value no line could give: a NULL string, a number below its bounds) */
static int
is_unset(const struct config_key *k, const void *p)
{
    if (k->def != NULL)
        return 0;
    if (k->type == CT_STRING)
        return *(char *const *)p == NULL;
    if (k->type == CT_INT)
        return *(const int *)p < (int)k->lo;
    return 0;
}

/* config_format - the value of key k (of section sec) as written in a
 * file; -1 for a list, whose items the caller prints one by one, and 1
 * for a key that is not set */
int
config_format(const struct config *cfg, const struct config_section *sec,
              const struct config_key *k, char *out, size_t outlen)
{
    size_t id;
    const void *p = NULL;

    for (id = 0; id < nsections; id++)
        if (sections[id] == sec)
            p = value_at(cfg, id, k);
    if (p == NULL) {
        snprintf(out, outlen, "?");
        return 0;
    }
    if (is_unset(k, p)) {
        out[0] = '\0';
        return 1;
    }
    switch (k->type) {
    case CT_STRING:
        snprintf(out, outlen, "%s", *(char *const *)p != NULL
                                        ? *(char *const *)p : "");
        return 0;
    case CT_INT:
    case CT_BOOL:
        if (k->type == CT_BOOL)
            snprintf(out, outlen, "%s", *(const int *)p ? "yes" : "no");
        else
            snprintf(out, outlen, "%d", *(const int *)p);
        return 0;
    case CT_OCTAL:
        snprintf(out, outlen, "0%o", (unsigned)*(const int *)p);
        return 0;
    case CT_SECONDS:
        snprintf(out, outlen, "%g", *(const double *)p);
        return 0;
    case CT_SIZE:
        size_text(*(const size_t *)p, out, outlen);
        return 0;
    case CT_WORD:
        snprintf(out, outlen, "%s", k->words[*(const int *)p]);
        return 0;
    case CT_FLAGS:
        flags_text(*(const unsigned *)p, k->words, out, outlen);
        return 0;
    case CT_LEVEL:
        snprintf(out, outlen, "%s", log_level_name(*(const int *)p));
        return 0;
    case CT_REPLY: {
        const struct fixed_reply *r = p;
        if (r->rcode[0] == '\0')
            return 1;
        snprintf(out, outlen, "%s%s%s%s%s", r->rcode, r->xcode[0] ? " " : "",
                 r->xcode, r->text[0] ? " " : "", r->text);
        return 0;
    }
    case CT_LIST:
        return -1;
    }
    return 0;
}

/* config_print - every key with its effective value, a line each, in the
 * order of the tables; put returns -1 to stop */
int
config_print(const struct config *cfg, int (*put)(const char *, void *),
             void *ud)
{
    char val[4096], line[4400];
    size_t i, j, n;

    ensure_core();
    for (i = 0; i < nsections; i++) {
        const struct config_section *s = sections[i];
        snprintf(line, sizeof line, "# %s", s->owner);
        if (put(line, ud) < 0)
            return -1;
        for (j = 0; j < s->nkeys; j++) {
            const struct config_key *k = &s->keys[j];
            const struct config_list *l = value_at(cfg, i, k);
            int rc = config_format(cfg, s, k, val, sizeof val);
            if (rc >= 0) {
                if (rc == 0)
                    snprintf(line, sizeof line, "%s = %s", k->name, val);
                else
                    snprintf(line, sizeof line, "# %s (not set)", k->name);
                if (put(line, ud) < 0)
                    return -1;
                continue;
            }
            if (l == NULL || l->n == 0) {
                snprintf(line, sizeof line, "# %s (none)", k->name);
                if (put(line, ud) < 0)
                    return -1;
            }
            for (n = 0; l != NULL && n < l->n; n++) {
                snprintf(line, sizeof line, "%s = %s", k->name,
                         l->items[n].value);
                if (put(line, ud) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* same_value - whether key k has the same value in a and b */
static int
same_value(const struct config_key *k, const void *a, const void *b)
{
    const struct config_list *la = a, *lb = b;
    const char *sa, *sb;
    size_t i;

    switch (k->type) {
    case CT_STRING:
        sa = *(char *const *)a;
        sb = *(char *const *)b;
        if (sa == NULL || sb == NULL)
            return sa == sb;
        return strcmp(sa, sb) == 0;
    case CT_SECONDS:
        return *(const double *)a == *(const double *)b;
    case CT_SIZE:
        return *(const size_t *)a == *(const size_t *)b;
    case CT_FLAGS:
        return *(const unsigned *)a == *(const unsigned *)b;
    case CT_REPLY:
        return memcmp(a, b, sizeof(struct fixed_reply)) == 0;
    case CT_LIST:
        if (la->n != lb->n)
            return 0;
        for (i = 0; i < la->n; i++)
            if (strcmp(la->items[i].value, lb->items[i].value) != 0)
                return 0;
        return 1;
    default:
        return *(const int *)a == *(const int *)b;
    }
}

/* copy_value - give dst (of key k) the value src has */
static int
copy_value(const struct config_key *k, void *dst, const void *src)
{
    const struct config_list *ls = src;
    char err[64];
    size_t i;

    switch (k->type) {
    case CT_STRING:
        value_free(k, dst);
        if (*(char *const *)src != NULL) {
            *(char **)dst = strdup(*(char *const *)src);
            return *(char **)dst != NULL ? 0 : -1;
        }
        return 0;
    case CT_LIST:
        value_free(k, dst);
        for (i = 0; i < ls->n; i++)
            if (list_append(dst, ls->items[i].value, ls->items[i].line, err,
                            sizeof err) < 0)
                return -1;
        return 0;
    case CT_SECONDS:
        *(double *)dst = *(const double *)src;
        return 0;
    case CT_SIZE:
        *(size_t *)dst = *(const size_t *)src;
        return 0;
    case CT_FLAGS:
        *(unsigned *)dst = *(const unsigned *)src;
        return 0;
    case CT_REPLY:
        memcpy(dst, src, sizeof(struct fixed_reply));
        return 0;
    default:
        *(int *)dst = *(const int *)src;
        return 0;
    }
}

/* config_keep_restart_only - give nc the running value (from old) of
 * every key SIGHUP may not change that nc changes, noting each */
int
config_keep_restart_only(struct config *nc, const struct config *old,
                         void (*note)(const char *key))
{
    size_t i, j;
    int n = 0;

    for (i = 0; i < nsections; i++) {
        for (j = 0; j < sections[i]->nkeys; j++) {
            const struct config_key *k = &sections[i]->keys[j];
            void *np = value_at(nc, i, k);
            const void *op = value_at(old, i, k);
            if ((k->flags & CK_RELOAD) || np == NULL || op == NULL ||
                same_value(k, np, op))
                continue;
            if (note != NULL)
                note(k->name);
            copy_value(k, np, op);
            n++;
        }
    }
    return n;
}
