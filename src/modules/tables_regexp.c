/*
 * tables_regexp.c - Postfix's regexp: table (regexp_table(5)).
 *
 * Rules "[!]/pattern/flags result" (any non-alphanumeric delimiter, an
 * optional second "!/pattern/" that must not match), nested "if
 * [!]/pattern/" ... "endif" blocks, first match in file order.  Patterns
 * are POSIX extended regular expressions from libc, compiled as Postfix
 * compiles them: case-insensitive, flag i toggles that, x toggles extended
 * syntax, m toggles REG_NEWLINE.  $1..$n, ${n} and $(n) in a result are
 * replaced by the matched text of that group (nothing when it matched
 * nothing), $$ is a '$'.
 *
 * A regexp table is a list: a lookup tries the rules in order (skipping
 * the inside of an if whose pattern does not hold).  Between rules it asks
 * the caller's limit whether time is left.
 */
#include "tables_impl.h"
#include "tables_line.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RX_CHECK_EVERY 16       /* rules between two looks at the clock */
#define RX_STACK_KEY 1024       /* keys up to this long are copied on the stack */
#define RX_STACK_MATCH 32

enum rx_op { RX_MATCH, RX_IF, RX_ENDIF };

/* a piece of a result: literal text, or the text of group `group` */
struct rx_seg {
    size_t group;               /* 0: literal */
    char *text;
    size_t len;
};

struct rx_rule {
    enum rx_op op;
    regex_t *re, *re2;          /* primary (or the if's), secondary */
    int match, match2;          /* 1: must match, 0: must not */
    size_t endif;               /* an if's endif rule */
    size_t max_sub;             /* highest group its result uses */
    struct rx_seg *segs;        /* its result */
    size_t nsegs;
    char *literal;              /* the result when max_sub == 0 */
    size_t literal_len;
};

struct regexp_table {
    struct rx_rule *rules;
    size_t n, cap;
    size_t max_sub;
};

/* a pattern as written: text and compile flags */
struct rx_pat {
    char *text;
    int flags;
    int match;
};

/* free_rule - release one rule's parts */
static void
free_rule(struct rx_rule *r)
{
    size_t i;

    if (r->re != NULL) {
        regfree(r->re);
        free(r->re);
    }
    if (r->re2 != NULL) {
        regfree(r->re2);
        free(r->re2);
    }
    for (i = 0; i < r->nsegs; i++)
        free(r->segs[i].text);
    free(r->segs);
    free(r->literal);
}

/* rx_free - release a regexp table */
static void
rx_free(void *impl)
{
    struct regexp_table *t = impl;
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < t->n; i++)
        free_rule(&t->rules[i]);
    free(t->rules);
    free(t);
}

/* get_pat - dict_regexp_get_pat: negations, delimited pattern, flags; *bufp
 * advanced past them.  -1 with err. */
static int
get_pat(char **bufp, struct rx_pat *pat, const char *path, int line,
        char *err, size_t errlen)
{
    char *p = *bufp, delim;

    pat->match = 1;
    for (;; p++) {
        if (*p == '!')
            pat->match = !pat->match;
        else if (!tline_isspace((unsigned char)*p))
            break;
    }
    if (*p == '\0') {
        table_error(err, errlen, path, line, "no regexp");
        return -1;
    }
    delim = *p++;
    pat->text = p;
    while (*p) {
        if (*p == '\\') {
            if (p[1])
                p++;
            else
                break;
        } else if (*p == delim) {
            break;
        }
        ++p;
    }
    if (*p == '\0') {
        table_error(err, errlen, path, line, "no closing regexp delimiter "
                    "\"%c\"", delim);
        return -1;
    }
    *p++ = '\0';
    pat->flags = REG_EXTENDED | REG_ICASE;
    for (; *p && !tline_isspace((unsigned char)*p) && *p != '!'; p++) {
        switch (*p) {
        case 'i':
            pat->flags ^= REG_ICASE;
            break;
        case 'm':
            pat->flags ^= REG_NEWLINE;
            break;
        case 'x':
            pat->flags ^= REG_EXTENDED;
            break;
        default:
            table_error(err, errlen, path, line, "unknown regexp option "
                        "\"%c\"", *p);
            return -1;
        }
    }
    *bufp = p;
    return 0;
}

/* compile - regcomp pat into a new regex_t; NULL with regerror's words */
static regex_t *
compile(const struct rx_pat *pat, int extra, const char *path, int line,
        char *err, size_t errlen)
{
    regex_t *re = malloc(sizeof *re);
    int rc;

    if (re == NULL) {
        table_error(err, errlen, path, line, "out of memory");
        return NULL;
    }
    rc = regcomp(re, pat->text, pat->flags | extra);
    if (rc != 0) {
        char why[256];

        regerror(rc, re, why, sizeof why);
        table_error(err, errlen, path, line, "%s", why);
        free(re);
        return NULL;
    }
    return re;
}

/* add_seg - append a piece to r's result; -1 when out of memory */
static int
add_seg(struct rx_rule *r, size_t group, const char *text, size_t len)
{
    struct rx_seg *bigger = realloc(r->segs, (r->nsegs + 1) * sizeof *bigger);
    struct rx_seg *s;

    if (bigger == NULL)
        return -1;
    r->segs = bigger;
    s = &r->segs[r->nsegs];
    s->group = group;
    s->len = len;
    s->text = malloc(len + 1);
    if (s->text == NULL)
        return -1;
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    r->nsegs++;
    return 0;
}

/* group_number - a $name as Postfix's prescan takes it: digits only, at
 * least 1; 0 when it is not one (why set) */
static size_t
group_number(const char *name, size_t len, char *why, size_t whylen)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9') {
            snprintf(why, whylen, "non-numeric replacement index \"%.*s\"",
                     (int)len, name);
            return 0;
        }
        if (n < 1000000)
            n = n * 10 + (size_t)(name[i] - '0');
    }
    if (n < 1)
        snprintf(why, whylen, "out-of-range replacement index \"%.*s\"",
                 (int)len, name);
    return n;
}

/* parse_result - split text as mac_parse does into literal pieces and
 * $n references; -1 with why (bad syntax) or -2 (no memory) */
static int
parse_result(struct rx_rule *r, const char *text, char *why, size_t whylen)
{
    size_t cap = strlen(text) + 1, lit = 0;
    char *buf = malloc(cap);
    const char *vp = text;
    int rc = -2;

    if (buf == NULL)
        return -2;
    while (*vp) {
        const char *name, *ep;
        size_t nlen, n;

        if (*vp != '$') {
            buf[lit++] = *vp++;
            continue;
        }
        if (vp[1] == '$') {
            buf[lit++] = '$';
            vp += 2;
            continue;
        }
        if (lit > 0 && add_seg(r, 0, buf, lit) < 0)
            goto done;
        lit = 0;
        vp++;
        if (*vp == '{' || *vp == '(') {
            char open = *vp, close = open == '{' ? '}' : ')';
            int level = 1;

            name = ++vp;
            for (ep = vp; level > 0; ep++) {
                if (*ep == '\0') {
                    snprintf(why, whylen, "truncated macro reference: "
                             "\"%s\"", text);
                    rc = -1;
                    goto done;
                }
                if (*ep == open)
                    level++;
                if (*ep == close)
                    level--;
            }
            nlen = (size_t)(ep - vp - 1);
            vp = ep;
        } else {
            name = vp;
            for (ep = vp; tline_isalnum((unsigned char)*ep) || *ep == '_';
                 ep++)
                ;
            nlen = (size_t)(ep - vp);
            vp = ep;
        }
        if (nlen == 0) {
            snprintf(why, whylen, "empty macro name: \"%s\"", text);
            rc = -1;
            goto done;
        }
        n = group_number(name, nlen, why, whylen);
        if (n == 0) {
            rc = -1;
            goto done;
        }
        if (add_seg(r, n, "", 0) < 0)
            goto done;
        if (n > r->max_sub)
            r->max_sub = n;
    }
    if (lit > 0 && add_seg(r, 0, buf, lit) < 0)
        goto done;
    rc = 0;
done:
    free(buf);
    return rc;
}

/* set_literal - a result without $n: its text kept whole */
static int
set_literal(struct rx_rule *r)
{
    size_t i, len = 0;

    for (i = 0; i < r->nsegs; i++)
        len += r->segs[i].len;
    r->literal = malloc(len + 1);
    if (r->literal == NULL)
        return -1;
    len = 0;
    for (i = 0; i < r->nsegs; i++) {
        memcpy(r->literal + len, r->segs[i].text, r->segs[i].len);
        len += r->segs[i].len;
    }
    r->literal[len] = '\0';
    r->literal_len = len;
    return 0;
}

/* parse_match - a "/pattern/ result" rule into r; -1 with err */
static int
parse_match(struct rx_rule *r, char *p, const char *path, int line,
            char *err, size_t errlen)
{
    struct rx_pat first, second;
    char why[512];
    int rc;

    second.text = NULL;
    if (get_pat(&p, &first, path, line, err, errlen) < 0)
        return -1;
    if (*p == '!' && get_pat(&p, &second, path, line, err, errlen) < 0)
        return -1;
    while (tline_isspace((unsigned char)*p))
        p++;
    if (*p == '\0') {
        table_error(err, errlen, path, line, "no replacement text");
        return -1;
    }
    rc = parse_result(r, p, why, sizeof why);
    if (rc == -1) {
        table_error(err, errlen, path, line, "bad replacement syntax: %s",
                    why);
        return -1;
    }
    if (rc < 0 || (r->max_sub == 0 && set_literal(r) < 0)) {
        table_error(err, errlen, path, line, "out of memory");
        return -1;
    }
    if (r->max_sub > 0 && !first.match) {
        table_error(err, errlen, path, line, "$number found in negative "
                    "match replacement text");
        return -1;
    }
    r->op = RX_MATCH;
    r->match = first.match;
    r->re = compile(&first, r->max_sub == 0 ? REG_NOSUB : 0, path, line,
                    err, errlen);
    if (r->re == NULL)
        return -1;
    if (r->max_sub > r->re->re_nsub) {
        table_error(err, errlen, path, line, "out of range replacement "
                    "index \"%zu\"", r->max_sub);
        return -1;
    }
    if (second.text != NULL) {
        r->match2 = second.match;
        r->re2 = compile(&second, REG_NOSUB, path, line, err, errlen);
        if (r->re2 == NULL)
            return -1;
    }
    return 0;
}

/* parse_line - one logical line into r: a rule, an if or an endif
 * (*depth counts the open ifs); -1 with err */
static int
parse_line(struct rx_rule *r, char *p, int line, size_t depth,
           const char *path, char *err, size_t errlen)
{
    struct rx_pat pat;

    if (!tline_isalnum((unsigned char)*p))
        return parse_match(r, p, path, line, err, errlen);
    if (strncasecmp(p, "IF", 2) == 0 && !tline_isalnum((unsigned char)p[2])) {
        for (p += 2; tline_isspace((unsigned char)*p); p++)
            ;
        if (get_pat(&p, &pat, path, line, err, errlen) < 0)
            return -1;
        while (tline_isspace((unsigned char)*p))
            p++;
        if (*p) {
            table_error(err, errlen, path, line, "extra text after IF "
                        "statement: \"%s\" (do not prepend whitespace to "
                        "statements between IF and ENDIF)", p);
            return -1;
        }
        r->op = RX_IF;
        r->match = pat.match;
        r->re = compile(&pat, REG_NOSUB, path, line, err, errlen);
        return r->re == NULL ? -1 : 0;
    }
    if (strncasecmp(p, "ENDIF", 5) == 0
        && !tline_isalnum((unsigned char)p[5])) {
        if (depth == 0) {
            table_error(err, errlen, path, line, "ENDIF without matching IF");
            return -1;
        }
        for (p += 5; tline_isspace((unsigned char)*p); p++)
            ;
        if (*p) {
            table_error(err, errlen, path, line, "extra text after ENDIF");
            return -1;
        }
        r->op = RX_ENDIF;
        return 0;
    }
    table_error(err, errlen, path, line, "unrecognized request");
    return -1;
}

/* what parsing keeps between lines: the table and its open ifs */
struct rx_parsing {
    struct regexp_table *t;
    size_t *open;               /* rule numbers of the open ifs */
    int *open_line;
    size_t depth, cap, nmatch;
};

/* push_if - remember an open if (rule number, line); -1 out of memory */
static int
push_if(struct rx_parsing *ps, size_t rule, int line)
{
    if (ps->depth == ps->cap) {
        size_t c = ps->cap ? ps->cap * 2 : 8;
        size_t *b1 = realloc(ps->open, c * sizeof *b1);
        int *b2;

        if (b1 == NULL)
            return -1;
        ps->open = b1;
        b2 = realloc(ps->open_line, c * sizeof *b2);
        if (b2 == NULL)
            return -1;
        ps->open_line = b2;
        ps->cap = c;
    }
    ps->open[ps->depth] = rule;
    ps->open_line[ps->depth++] = line;
    return 0;
}

/* rx_line - one logical line into the rule list */
static int
rx_line(void *ctx, char *line, int lineno, const char *path, char *err,
        size_t errlen)
{
    struct rx_parsing *ps = ctx;
    struct regexp_table *t = ps->t;
    struct rx_rule *r;

    tline_trim_end(line);
    if (t->n == t->cap) {
        size_t c = t->cap ? t->cap * 2 : 32;
        struct rx_rule *bigger = realloc(t->rules, c * sizeof *bigger);

        if (bigger == NULL)
            goto nomem;
        t->rules = bigger;
        t->cap = c;
    }
    r = &t->rules[t->n];
    memset(r, 0, sizeof *r);
    t->n++;                     /* counted now, so a half-made rule is freed */
    if (parse_line(r, line, lineno, ps->depth, path, err, errlen) < 0)
        return -1;
    if (r->op == RX_MATCH) {
        ps->nmatch++;
        if (r->max_sub > t->max_sub)
            t->max_sub = r->max_sub;
    } else if (r->op == RX_IF) {
        if (push_if(ps, t->n - 1, lineno) < 0)
            goto nomem;
    } else {
        t->rules[ps->open[--ps->depth]].endif = t->n - 1;
    }
    return 0;
nomem:
    table_error(err, errlen, path, lineno, "out of memory");
    return -1;
}

/* rx_parse - a regexp table from the file's text */
static void *
rx_parse(const char *path, char *text, size_t len, size_t *rules, char *err,
         size_t errlen)
{
    struct rx_parsing ps;
    int ok = 0;

    memset(&ps, 0, sizeof ps);
    ps.t = calloc(1, sizeof *ps.t);
    if (ps.t == NULL) {
        table_error(err, errlen, path, 0, "out of memory");
    } else if (table_lines(path, text, len, rx_line, &ps, err, errlen) == 0) {
        if (ps.depth > 0)
            table_error(err, errlen, path, ps.open_line[ps.depth - 1],
                        "IF has no matching ENDIF");
        else
            ok = 1;
    }
    free(ps.open);
    free(ps.open_line);
    if (!ok) {
        rx_free(ps.t);
        return NULL;
    }
    *rules = ps.nmatch;
    return ps.t;
}

/* holds - whether re's condition holds for key (match: must match); -1 on
 * a regexec failure other than no match */
static int
holds(const regex_t *re, int match, const char *key, size_t nsub,
      regmatch_t *pm)
{
    int rc = regexec(re, key, nsub, nsub ? pm : NULL, 0);

    if (rc == REG_NOMATCH)
        return !match;
    if (rc == 0)
        return match;
    return -1;
}

/* expand - r's result with the groups of pm filled in, into ans */
static enum table_status
expand(const struct rx_rule *r, const char *key, const regmatch_t *pm,
       struct table_answer *ans)
{
    size_t i, len = 0;

    for (i = 0; i < r->nsegs; i++) {
        const struct rx_seg *s = &r->segs[i];
        const char *from = s->text;
        size_t n = s->len;

        if (s->group > 0) {
            const regmatch_t *m = &pm[s->group];

            if (m->rm_so < 0 || m->rm_so == m->rm_eo)
                continue;
            from = key + m->rm_so;
            n = (size_t)(m->rm_eo - m->rm_so);
        }
        if (table_answer_reserve(ans, len + n) < 0)
            return TABLE_NOMEM;
        memcpy(ans->buf + len, from, n);
        len += n;
    }
    if (table_answer_reserve(ans, len) < 0)
        return TABLE_NOMEM;
    ans->buf[len] = '\0';
    ans->value = ans->buf;
    ans->len = len;
    return TABLE_FOUND;
}

/* run - the rules over key (NUL-terminated), pm sized for max_sub */
static enum table_status
run(const struct regexp_table *t, const char *key, regmatch_t *pm,
    struct table_answer *ans, const struct table_limit *lim)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        const struct rx_rule *r = &t->rules[i];
        int h;

        if (i % RX_CHECK_EVERY == 0 && lim != NULL && lim->remaining != NULL
            && lim->remaining(lim->ud) <= 0)
            return TABLE_EXPIRED;
        switch (r->op) {
        case RX_MATCH:
            h = holds(r->re, r->match, key, r->max_sub ? r->max_sub + 1 : 0,
                      pm);
            if (h > 0 && r->re2 != NULL)
                h = holds(r->re2, r->match2, key, 0, NULL);
            if (h < 0)
                return TABLE_NOMEM;
            if (h == 0)
                break;
            if (r->max_sub == 0) {
                ans->value = r->literal;
                ans->len = r->literal_len;
                return TABLE_FOUND;
            }
            return expand(r, key, pm, ans);
        case RX_IF:
            h = holds(r->re, r->match, key, 0, NULL);
            if (h < 0)
                return TABLE_NOMEM;
            if (h == 0)
                i = r->endif;
            break;
        case RX_ENDIF:
            break;
        }
    }
    return TABLE_MISS;
}

/* rx_lookup - the result of the first rule matching key */
static enum table_status
rx_lookup(const void *impl, const char *key, size_t len,
          struct table_answer *ans, const struct table_limit *lim)
{
    const struct regexp_table *t = impl;
    char kbuf[RX_STACK_KEY], *k = kbuf;
    regmatch_t pmbuf[RX_STACK_MATCH], *pm = pmbuf;
    enum table_status st;

    if (len >= sizeof kbuf && (k = malloc(len + 1)) == NULL)
        return TABLE_NOMEM;
    memcpy(k, key, len);
    k[len] = '\0';
    if (t->max_sub + 1 > RX_STACK_MATCH
        && (pm = malloc((t->max_sub + 1) * sizeof *pm)) == NULL) {
        st = TABLE_NOMEM;
        goto done;
    }
    st = run(t, k, pm, ans, lim);
done:
    if (pm != pmbuf)
        free(pm);
    if (k != kbuf)
        free(k);
    return st;
}

/* rx_longest - a pattern may match a key of any length */
static size_t
rx_longest(const void *impl)
{
    (void)impl;
    return (size_t)-1;
}

const struct table_ops regexp_ops = {rx_parse, rx_longest, rx_lookup,
                                     rx_free};
