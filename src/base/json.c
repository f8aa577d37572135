/*
 * json.c - the JSON writer (see json.h).
 */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* json_init - an empty writer of at most max bytes (0: no limit) */
void
json_init(struct json *j, enum json_mode mode, size_t max)
{
    memset(j, 0, sizeof *j);
    j->mode = mode;
    j->max = max;
    j->first[0] = 1;
}

/* json_reset - empty the writer for the next record, keeping its buffer */
void
json_reset(struct json *j)
{
    char *buf = j->buf;
    size_t cap = j->cap, max = j->max;
    enum json_mode mode = j->mode;

    json_init(j, mode, max);
    j->buf = buf;
    j->cap = cap;
    if (buf != NULL)
        buf[0] = '\0';
}

/* json_free - release the buffer */
void
json_free(struct json *j)
{
    free(j->buf);
    json_init(j, j->mode, j->max);
}

/* put - append n bytes, or mark the writer truncated */
static void
put(struct json *j, const char *s, size_t n)
{
    if (j->truncated)
        return;
    if (j->max != 0 && j->len + n > j->max) {
        j->truncated = 1;
        return;
    }
    if (j->cap - j->len < n + 1) {
        size_t cap = j->cap ? j->cap : 256;
        char *bigger;
        while (cap - j->len < n + 1)
            cap *= 2;
        bigger = realloc(j->buf, cap);
        if (bigger == NULL) {
            j->truncated = 1;
            return;
        }
        j->buf = bigger;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

/* separate - the comma before a value, unless it follows its key */
static void
separate(struct json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (!j->first[j->depth])
        put(j, ",", 1);
    j->first[j->depth] = 0;
}

/* open_level - start an object or array */
static void
open_level(struct json *j, const char *c)
{
    separate(j);
    put(j, c, 1);
    if (j->depth < JSON_DEPTH - 1)
        j->depth++;
    j->first[j->depth] = 1;
}

/* close_level - end an object or array */
static void
close_level(struct json *j, const char *c)
{
    put(j, c, 1);
    if (j->depth > 0)
        j->depth--;
}

/* json_obj_begin - "{" */
void
json_obj_begin(struct json *j)
{
    open_level(j, "{");
}

/* json_obj_end - "}" */
void
json_obj_end(struct json *j)
{
    close_level(j, "}");
}

/* json_arr_begin - "[" */
void
json_arr_begin(struct json *j)
{
    open_level(j, "[");
}

/* json_arr_end - "]" */
void
json_arr_end(struct json *j)
{
    close_level(j, "]");
}

/* utf8_seq - the length of the valid UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), 0 if invalid */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80
                   ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return n >= 4 && s[1] >= lo && s[1] <= hi &&
                       (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80
                   ? 4 : 0;
    }
    return 0;
}

/* json_utf8_valid - how many leading bytes of s are valid UTF-8 */
size_t
json_utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0, k;

    while (i < n && (k = utf8_seq(s + i, n - i)) != 0)
        i += k;
    return i;
}

/* note_lossy - remember that the value of the current key lost bytes */
static void
note_lossy(struct json *j)
{
    const char *key = j->key != NULL ? j->key : "";
    int i;

    for (i = 0; i < j->nlossy; i++)
        if (strcmp(j->lossy[i], key) == 0)
            return;
    if (j->nlossy < JSON_LOSSY_MAX)
        j->lossy[j->nlossy++] = key;
}

/* put_escaped - the body of a string, escaped for the writer's mode */
static void
put_escaped(struct json *j, const unsigned char *s, size_t n)
{
    char esc[8];
    size_t i = 0, run;
    int lossy = 0;

    while (i < n && !j->truncated) {     /* past max: nothing more fits */
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            for (run = 1; i + run < n && s[i + run] >= 0x20 &&
                          s[i + run] < 0x7f && s[i + run] != '"' &&
                          s[i + run] != '\\'; run++)
                ;
            put(j, (const char *)s + i, run);
            i += run;
        } else if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(j, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f || j->mode == JSON_BYTES) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(j, esc, 6);
            i++;
        } else if ((run = utf8_seq(s + i, n - i)) != 0) {
            put(j, (const char *)s + i, run);
            i += run;
        } else {
            put(j, "\xef\xbf\xbd", 3);          /* U+FFFD */
            lossy = 1;
            i++;
        }
    }
    if (lossy)
        note_lossy(j);
}

/* json_key - an object member's name (a literal or a string that lives as
 * long as the writer: it may be kept for json_lossy) */
void
json_key(struct json *j, const char *name)
{
    separate(j);
    put(j, "\"", 1);
    put_escaped(j, (const unsigned char *)name, strlen(name));
    put(j, "\":", 2);
    j->after_key = 1;
    j->key = name;
}

/* json_str - a string of n bytes */
void
json_str(struct json *j, const char *s, size_t n)
{
    separate(j);
    put(j, "\"", 1);
    put_escaped(j, (const unsigned char *)s, n);
    put(j, "\"", 1);
}

/* json_cstr - a NUL-terminated string, or null for NULL */
void
json_cstr(struct json *j, const char *s)
{
    if (s == NULL)
        json_null(j);
    else
        json_str(j, s, strlen(s));
}

/* json_str_cut - a string cut to its first keep bytes (at a character
 * boundary in JSON_UTF8) with a marker saying how many were left out */
void
json_str_cut(struct json *j, const char *s, size_t n, size_t keep)
{
    char marker[64];
    size_t k = keep;

    if (n <= keep) {
        json_str(j, s, n);
        return;
    }
    if (j->mode == JSON_UTF8)
        while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
            k--;
    separate(j);
    put(j, "\"", 1);
    put_escaped(j, (const unsigned char *)s, k);
    snprintf(marker, sizeof marker, "...[%zu bytes cut]", n - k);
    put(j, marker, strlen(marker));
    put(j, "\"", 1);
}

/* json_int - an integer */
void
json_int(struct json *j, long long v)
{
    char num[32];

    separate(j);
    snprintf(num, sizeof num, "%lld", v);
    put(j, num, strlen(num));
}

/* json_num - a number (null for NaN and infinities, which JSON lacks) */
void
json_num(struct json *j, double v)
{
    char num[40];

    if (!isfinite(v)) {
        json_null(j);
        return;
    }
    separate(j);
    snprintf(num, sizeof num, "%.17g", v);
    if (strtod(num, NULL) == v) {           /* the shortest that reads back */
        int p;
        for (p = 1; p < 17; p++) {
            char shorter[40];
            snprintf(shorter, sizeof shorter, "%.*g", p, v);
            if (strtod(shorter, NULL) == v) {
                snprintf(num, sizeof num, "%s", shorter);
                break;
            }
        }
    }
    put(j, num, strlen(num));
}

/* json_bool - true or false */
void
json_bool(struct json *j, int v)
{
    separate(j);
    put(j, v ? "true" : "false", v ? 4 : 5);
}

/* json_null - null */
void
json_null(struct json *j)
{
    separate(j);
    put(j, "null", 4);
}

/* json_splice - the members (or items) of the one object (or array)
 * another writer holds spliced into j's open object (or array), with its
 * lossy keys */
void
json_splice(struct json *j, const struct json *from)
{
    int i;

    if (from->buf == NULL || from->len <= 2 ||
        (from->buf[0] != '{' && from->buf[0] != '['))
        return;
    separate(j);
    put(j, from->buf + 1, from->len - 2);
    for (i = 0; i < from->nlossy; i++) {
        j->key = from->lossy[i];
        note_lossy(j);
    }
}

/* json_truncated - whether something did not fit (max, or no memory) */
int
json_truncated(const struct json *j)
{
    return j->truncated;
}

/* json_lossy - the keys whose values had invalid UTF-8 replaced */
int
json_lossy(const struct json *j, const char ***keys)
{
    *keys = (const char **)j->lossy;
    return j->nlossy;
}
