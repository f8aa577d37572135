/*
 * tables_cidr.c - Postfix's cidr: table (cidr_table(5)).
 *
 * Rules "[!]network[/prefix] result", first match in file order, inside
 * nested "if [!]network[/prefix]" ... "endif" blocks; IPv4 and IPv6.  Keys
 * and patterns are converted with inet_pton, as Postfix does: a key's
 * family is IPv6 when it holds a ':', so "::ffff:192.0.2.1" never matches
 * an IPv4 rule, and "[192.0.2.1]" is no address at all.
 *
 * Structure.  Every condition a rule depends on (its own pattern and those
 * of the if blocks around it) is a prefix the address must, or must not,
 * lie in.  At load the positive ones are intersected into one prefix (or
 * the rule can never match and is dropped), the negative ones kept as
 * exclusions inside it.  Each rule is filed under its prefix in a hash
 * table per family keyed by (length, masked address); a lookup probes one
 * entry per prefix length present (at most 33 or 129) and keeps the
 * lowest-numbered rule whose exclusions do not hold the address: the first
 * match in file order, without scanning the rules.
 */
#include "tables_impl.h"
#include "tables_line.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { FAM4, FAM6, NFAM };

static const int fam_bits[NFAM] = {32, 128};

/* a prefix: the first len bits of bytes (the rest zero) */
struct prefix {
    uint8_t fam;
    uint8_t len;
    uint8_t bytes[16];
};

/* a rule filed under a node */
struct entry {
    uint32_t rule;              /* its number in file order */
    uint32_t value;             /* offset of its result in the arena */
    uint32_t excl;              /* its exclusions: excls[excl..excl+nexcl) */
    uint32_t nexcl;
    uint32_t next;              /* while building: next entry of the node */
};

struct node {
    struct prefix p;
    uint32_t first, count;      /* its entries (while building: a list) */
    uint32_t last;
};

struct family {
    struct node *nodes;
    size_t nnodes, cnodes;
    uint32_t *slots;            /* node index + 1; 0: empty */
    size_t mask;
    uint8_t lens[129];          /* prefix lengths that have nodes */
    int nlens;
};

struct cidr {
    struct family fam[NFAM];
    struct entry *entries;
    size_t nentries, centries;
    struct prefix *excls;
    size_t nexcls, cexcls;
    char *arena;
    size_t used, cap;
};

/* a condition while parsing: a prefix and whether it is negated */
struct literal {
    struct prefix p;
    int negated;
    int line;
};

/* grow - make room for one more element in *arr (n used of *cap) */
static int
grow(void *arrp, size_t n, size_t *cap, size_t size)
{
    void **arr = arrp;
    void *bigger;
    size_t c;

    if (n < *cap)
        return 0;
    c = *cap ? *cap * 2 : 64;
    bigger = realloc(*arr, c * size);
    if (bigger == NULL)
        return -1;
    *arr = bigger;
    *cap = c;
    return 0;
}

/* mask_bytes - keep the first len bits of src in dst (16 bytes) */
static void
mask_bytes(uint8_t *dst, const uint8_t *src, int len)
{
    int i;

    for (i = 0; i < 16; i++) {
        int bits = len - 8 * i;

        if (bits >= 8)
            dst[i] = src[i];
        else if (bits <= 0)
            dst[i] = 0;
        else
            dst[i] = (uint8_t)(src[i] & (0xff << (8 - bits)));
    }
}

/* contains - whether prefix a holds the address (or longer prefix) b */
static int
contains(const struct prefix *a, const uint8_t *b, int blen)
{
    uint8_t m[16];

    if (blen < a->len)
        return 0;
    mask_bytes(m, b, a->len);
    return memcmp(m, a->bytes, 16) == 0;
}

/* prefix_hash - hash of (len, bytes) */
static size_t
prefix_hash(int len, const uint8_t *bytes)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)len;
    int i, n = (len + 7) / 8;

    for (i = 0; i < n; i++) {
        h ^= bytes[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 29;
    return (size_t)h;
}

/* find_node - the node of (len, bytes) in f, or NULL */
static struct node *
find_node(const struct family *f, int len, const uint8_t *bytes)
{
    size_t i;

    if (f->slots == NULL)
        return NULL;
    for (i = prefix_hash(len, bytes) & f->mask; f->slots[i] != 0;
         i = (i + 1) & f->mask) {
        struct node *n = &f->nodes[f->slots[i] - 1];

        if (n->p.len == len && memcmp(n->p.bytes, bytes, 16) == 0)
            return n;
    }
    return NULL;
}

/* rehash - rebuild f's slots for its nodes; -1 when out of memory */
static int
rehash(struct family *f)
{
    size_t size = 64, i;
    uint32_t *slots;

    while (size < 2 * (f->nnodes + 1))
        size *= 2;
    slots = calloc(size, sizeof *slots);
    if (slots == NULL)
        return -1;
    free(f->slots);
    f->slots = slots;
    f->mask = size - 1;
    for (i = 0; i < f->nnodes; i++) {
        size_t j = prefix_hash(f->nodes[i].p.len, f->nodes[i].p.bytes)
                   & f->mask;

        while (slots[j] != 0)
            j = (j + 1) & f->mask;
        slots[j] = (uint32_t)i + 1;
    }
    return 0;
}

/* node_for - the node of prefix p, made if new; NULL when out of memory */
static struct node *
node_for(struct family *f, const struct prefix *p)
{
    struct node *n = find_node(f, p->len, p->bytes);

    if (n != NULL)
        return n;
    if (grow(&f->nodes, f->nnodes, &f->cnodes, sizeof *f->nodes) < 0)
        return NULL;
    n = &f->nodes[f->nnodes++];
    n->p = *p;
    n->first = n->last = UINT32_MAX;
    n->count = 0;
    if (f->slots == NULL || 2 * (f->nnodes + 1) > f->mask + 1) {
        if (rehash(f) < 0) {
            f->nnodes--;
            return NULL;
        }
    } else {
        size_t j = prefix_hash(p->len, p->bytes) & f->mask;

        while (f->slots[j] != 0)
            j = (j + 1) & f->mask;
        f->slots[j] = (uint32_t)f->nnodes;
    }
    return n;
}

/* arena_add - copy s into the arena; its offset, UINT32_MAX when out of
 * memory */
static uint32_t
arena_add(struct cidr *c, const char *s)
{
    size_t n = strlen(s) + 1;
    uint32_t off;

    while (c->cap - c->used < n) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        char *bigger = cap > UINT32_MAX ? NULL : realloc(c->arena, cap);

        if (bigger == NULL)
            return UINT32_MAX;
        c->arena = bigger;
        c->cap = cap;
    }
    off = (uint32_t)c->used;
    memcpy(c->arena + c->used, s, n);
    c->used += n;
    return off;
}

/* all_digits - Postfix's alldig: non-empty and only digits */
static int
all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* parse_prefix - cidr_match_parse: "[addr]/len", "[addr/len]", "addr/len"
 * or "addr" into p (pattern is written to); -1 with why */
static int
parse_prefix(char *pattern, struct prefix *p, char *why, size_t whylen)
{
    char *mask_search, *mask, *slash;
    int fam, bits, shift;
    uint8_t raw[16];

    memset(p, 0, sizeof *p);
    if (*pattern == '[') {
        char *close;

        pattern++;
        close = strchr(pattern, ']');
        if (close == NULL) {
            snprintf(why, whylen, "missing ']' character after \"[%s\"",
                     pattern);
            return -1;
        }
        *close = '\0';
        mask_search = close + 1;
        if (*mask_search != '/') {
            if (*mask_search != '\0') {
                snprintf(why, whylen, "garbage after \"[%s]\"", pattern);
                return -1;
            }
            mask_search = pattern;
        }
    } else {
        mask_search = pattern;
    }
    slash = strchr(mask_search, '/');
    mask = slash != NULL ? slash + 1 : NULL;
    if (slash != NULL)
        *slash = '\0';
    fam = strchr(pattern, ':') != NULL ? FAM6 : FAM4;
    bits = fam_bits[fam];
    if (mask != NULL) {
        const char *bad = NULL;

        if (!all_digits(mask))
            bad = "bad mask value";
        else if ((shift = atoi(mask)) > bits)
            bad = "bad mask length";
        else if (inet_pton(fam == FAM6 ? AF_INET6 : AF_INET, pattern, raw)
                 != 1)
            bad = "bad network value";
        if (bad != NULL) {
            snprintf(why, whylen, "%s in \"%s/%s\"", bad, pattern, mask);
            return -1;
        }
        if (shift < 0)          /* atoi's wrap of a huge number: no mask */
            shift = 0;
    } else {
        if (inet_pton(fam == FAM6 ? AF_INET6 : AF_INET, pattern, raw) != 1) {
            snprintf(why, whylen, "bad address pattern: \"%s\"", pattern);
            return -1;
        }
        shift = bits;
    }
    if (fam == FAM4)
        memset(raw + 4, 0, 12);
    mask_bytes(p->bytes, raw, shift);
    if (memcmp(p->bytes, raw, 16) != 0) {
        char text[INET6_ADDRSTRLEN];

        inet_ntop(fam == FAM6 ? AF_INET6 : AF_INET, p->bytes, text,
                  sizeof text);
        snprintf(why, whylen, "non-null host address bits in \"%s/%s\", "
                 "perhaps you should use \"%s/%d\" instead", pattern, mask,
                 text, shift);
        return -1;
    }
    p->fam = (uint8_t)fam;
    p->len = (uint8_t)shift;
    return 0;
}

/* skip_negations - step over '!' and white space; *match toggled by each
 * '!' */
static char *
skip_negations(char *p, int *match)
{
    for (;; p++) {
        if (*p == '!')
            *match = !*match;
        else if (!tline_isspace((unsigned char)*p))
            return p;
    }
}

/* file_rule - file the rule whose conditions are lits[0..n) (the last its
 * own pattern) under the prefix they imply; a rule that can never match is
 * dropped.  -1 when out of memory. */
static int
file_rule(struct cidr *c, uint32_t rule, const char *value,
          const struct literal *lits, size_t n)
{
    struct prefix pos;
    struct family *f;
    struct node *nd;
    struct entry *e;
    size_t i;
    uint32_t excl0 = (uint32_t)c->nexcls;
    int fam = lits[n - 1].p.fam;

    memset(&pos, 0, sizeof pos);
    pos.fam = (uint8_t)fam;
    for (i = 0; i < n; i++) {
        const struct prefix *q = &lits[i].p;

        if (q->fam != fam)
            return 0;           /* an address has one family */
        if (lits[i].negated)
            continue;
        if (contains(&pos, q->bytes, q->len))
            pos = *q;           /* q is inside pos: narrower */
        else if (!contains(q, pos.bytes, pos.len))
            return 0;           /* disjoint: never both */
    }
    for (i = 0; i < n; i++) {
        const struct prefix *q = &lits[i].p;

        if (!lits[i].negated)
            continue;
        if (contains(q, pos.bytes, pos.len))
            goto never;         /* excludes all of pos */
        if (!contains(&pos, q->bytes, q->len))
            continue;           /* disjoint: always true inside pos */
        if (grow(&c->excls, c->nexcls, &c->cexcls, sizeof *c->excls) < 0)
            return -1;
        c->excls[c->nexcls++] = *q;
    }
    f = &c->fam[fam];
    nd = node_for(f, &pos);
    if (nd == NULL)
        return -1;
    if (nd->last != UINT32_MAX) {
        const struct entry *prev = &c->entries[nd->last];

        /* after an unconditional rule, or the same conditions again,
         * nothing more at this node can ever be the first match */
        if (prev->nexcl == 0
            || (prev->nexcl == c->nexcls - excl0
                && memcmp(&c->excls[prev->excl], &c->excls[excl0],
                          prev->nexcl * sizeof *c->excls) == 0))
            goto never;
    }
    if (grow(&c->entries, c->nentries, &c->centries, sizeof *c->entries) < 0)
        return -1;
    e = &c->entries[c->nentries];
    e->rule = rule;
    e->value = arena_add(c, value);
    if (e->value == UINT32_MAX)
        return -1;
    e->excl = excl0;
    e->nexcl = (uint32_t)(c->nexcls - excl0);
    e->next = UINT32_MAX;
    if (nd->last == UINT32_MAX)
        nd->first = (uint32_t)c->nentries;
    else
        c->entries[nd->last].next = (uint32_t)c->nentries;
    nd->last = (uint32_t)c->nentries;
    nd->count++;
    c->nentries++;
    return 0;
never:
    c->nexcls = excl0;
    return 0;
}

/* compact - lay each node's entries out contiguously, in rule order, and
 * list the prefix lengths in use; -1 when out of memory */
static int
compact(struct cidr *c)
{
    struct entry *out = malloc((c->nentries + 1) * sizeof *out);
    size_t k = 0;
    int fi;

    if (out == NULL)
        return -1;
    for (fi = 0; fi < NFAM; fi++) {
        struct family *f = &c->fam[fi];
        int seen[129] = {0}, len;
        size_t i;

        for (i = 0; i < f->nnodes; i++) {
            struct node *nd = &f->nodes[i];
            uint32_t e = nd->first;

            nd->first = (uint32_t)k;
            for (; e != UINT32_MAX; e = c->entries[e].next)
                out[k++] = c->entries[e];
            seen[nd->p.len] = 1;
        }
        f->nlens = 0;
        for (len = 0; len <= fam_bits[fi]; len++)
            if (seen[len])
                f->lens[f->nlens++] = (uint8_t)len;
    }
    free(c->entries);
    c->entries = out;
    c->centries = c->nentries + 1;
    return 0;
}

/* cidr_free - release a cidr table */
static void
cidr_free(void *impl)
{
    struct cidr *c = impl;
    int i;

    if (c == NULL)
        return;
    for (i = 0; i < NFAM; i++) {
        free(c->fam[i].nodes);
        free(c->fam[i].slots);
    }
    free(c->entries);
    free(c->excls);
    free(c->arena);
    free(c);
}

/* what parsing keeps between lines: the table, the open ifs, the count */
struct cidr_parsing {
    struct cidr *c;
    struct literal *stack;
    size_t depth, cap;
    uint32_t rule;
};

/* parse_line - one logical line: an if (pushed on the stack), an endif
 * (popped), or a rule (filed); -1 with err */
static int
parse_line(void *ctx, char *p, int line, const char *path, char *err,
           size_t errlen)
{
    struct cidr_parsing *ps = ctx;
    struct literal **stack = &ps->stack;
    size_t *depth = &ps->depth, *cstack = &ps->cap;
    char why[512];
    struct literal lit;
    int match = 1;
    char *value;

    if (strncasecmp(p, "IF", 2) == 0 && !tline_isalnum((unsigned char)p[2])) {
        p = skip_negations(p + 2, &match);
        if (*p == '\0') {
            table_error(err, errlen, path, line, "no address pattern");
            return -1;
        }
        tline_trim_end(p);
        if (parse_prefix(p, &lit.p, why, sizeof why) < 0)
            goto bad;
        lit.negated = !match;
        lit.line = line;
        if (grow(stack, *depth, cstack, sizeof **stack) < 0)
            goto nomem;
        (*stack)[(*depth)++] = lit;
        return 0;
    }
    if (strncasecmp(p, "ENDIF", 5) == 0
        && !tline_isalnum((unsigned char)p[5])) {
        for (p += 5; tline_isspace((unsigned char)*p); p++)
            ;
        if (*p != '\0') {
            table_error(err, errlen, path, line, "garbage after ENDIF");
            return -1;
        }
        if (*depth == 0) {
            table_error(err, errlen, path, line, "ENDIF without IF");
            return -1;
        }
        (*depth)--;
        return 0;
    }
    p = skip_negations(p, &match);
    value = p;
    while (*value && !tline_isspace((unsigned char)*value))
        value++;
    if (*value)
        *value++ = '\0';
    while (tline_isspace((unsigned char)*value))
        value++;
    tline_trim_end(value);
    if (*p == '\0') {
        table_error(err, errlen, path, line, "no address pattern");
        return -1;
    }
    if (parse_prefix(p, &lit.p, why, sizeof why) < 0)
        goto bad;
    if (*value == '\0') {
        table_error(err, errlen, path, line, "no lookup result");
        return -1;
    }
    lit.negated = !match;
    lit.line = line;
    if (grow(stack, *depth, cstack, sizeof **stack) < 0)
        goto nomem;
    (*stack)[*depth] = lit;
    if (file_rule(ps->c, ps->rule++, value, *stack, *depth + 1) < 0)
        goto nomem;
    return 0;
bad:
    table_error(err, errlen, path, line, "%s", why);
    return -1;
nomem:
    table_error(err, errlen, path, line, "out of memory");
    return -1;
}

/* cidr_parse - a cidr table from the file's text */
static void *
cidr_parse(const char *path, char *text, size_t len, size_t *rules,
           char *err, size_t errlen)
{
    struct cidr_parsing ps;
    int ok = 0;

    memset(&ps, 0, sizeof ps);
    ps.c = calloc(1, sizeof *ps.c);
    if (ps.c == NULL) {
        table_error(err, errlen, path, 0, "out of memory");
    } else if (table_lines(path, text, len, parse_line, &ps, err,
                           errlen) == 0) {
        if (ps.depth > 0)
            table_error(err, errlen, path, ps.stack[ps.depth - 1].line,
                        "IF has no matching ENDIF");
        else if (compact(ps.c) < 0)
            table_error(err, errlen, path, 0, "out of memory");
        else
            ok = 1;
    }
    free(ps.stack);
    if (!ok) {
        cidr_free(ps.c);
        return NULL;
    }
    *rules = ps.rule;
    return ps.c;
}

/* cidr_lookup - the result of the first rule matching the address key */
static enum table_status
cidr_lookup(const void *impl, const char *key, size_t len,
            struct table_answer *ans, const struct table_limit *lim)
{
    const struct cidr *c = impl;
    const struct family *f;
    char text[64];
    uint8_t addr[16] = {0};
    uint32_t best = UINT32_MAX, value = 0;
    int fam, i;

    (void)lim;
    if (len >= sizeof text)
        return TABLE_MISS;      /* longer than any address (cidr_longest) */
    memcpy(text, key, len);
    text[len] = '\0';
    fam = memchr(text, ':', len) != NULL ? FAM6 : FAM4;
    if (inet_pton(fam == FAM6 ? AF_INET6 : AF_INET, text, addr) != 1)
        return TABLE_MISS;
    f = &c->fam[fam];
    for (i = 0; i < f->nlens; i++) {
        uint8_t m[16];
        const struct node *nd;
        uint32_t k;

        mask_bytes(m, addr, f->lens[i]);
        nd = find_node(f, f->lens[i], m);
        if (nd == NULL)
            continue;
        for (k = nd->first; k < nd->first + nd->count; k++) {
            const struct entry *e = &c->entries[k];
            uint32_t x;

            if (e->rule >= best)
                break;
            for (x = 0; x < e->nexcl; x++)
                if (contains(&c->excls[e->excl + x], addr, fam_bits[fam]))
                    break;
            if (x == e->nexcl) {
                best = e->rule;
                value = e->value;
                break;
            }
        }
    }
    if (best == UINT32_MAX)
        return TABLE_MISS;
    ans->value = c->arena + value;
    ans->len = strlen(ans->value);
    return TABLE_FOUND;
}

/* cidr_longest - no address is 64 characters long */
static size_t
cidr_longest(const void *impl)
{
    (void)impl;
    return 63;
}

const struct table_ops cidr_ops = {cidr_parse, cidr_longest, cidr_lookup,
                                   cidr_free};
