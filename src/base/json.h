/*
 * json.h - one JSON writer for the whole tree (decision records, replay
 * --json, the HTTP status pages).
 *
 * Mail is bytes: a header may hold any octet, NULs included.  Two ways to
 * write such a string, chosen per writer:
 *   JSON_UTF8   valid UTF-8 is kept as it is; each byte of an invalid
 *               sequence becomes U+FFFD and the key it was written under is
 *               remembered (json_lossy), so a record can say which fields
 *               lost bytes.  Every line is valid JSON for jq, Loki, Elastic.
 *   JSON_BYTES  every byte outside printable ASCII is written as \u00HH,
 *               so the exact bytes can be recovered (replay --json).
 * Control characters, '"' and '\' are escaped in both.
 *
 * A writer grows its buffer up to max bytes; past that it stops adding and
 * json_truncated says so (a caller cuts long strings first with
 * json_str_cut so records stay bounded and valid).
 */
#ifndef LUAMILTER_JSON_H
#define LUAMILTER_JSON_H

#include <stddef.h>

enum json_mode {
    JSON_UTF8 = 0,
    JSON_BYTES
};

#define JSON_DEPTH 16
#define JSON_LOSSY_MAX 16

struct json {
    char *buf;
    size_t len, cap, max;
    enum json_mode mode;
    int depth;
    int first[JSON_DEPTH];      /* no member written yet at this depth */
    int after_key;              /* a key was written, its value is next */
    int truncated;              /* max reached, or out of memory */
    const char *key;            /* the last key, for json_lossy */
    const char *lossy[JSON_LOSSY_MAX];
    int nlossy;
};

void json_init(struct json *j, enum json_mode mode, size_t max);
void json_free(struct json *j);
void json_reset(struct json *j);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *name);
void json_str(struct json *j, const char *s, size_t n);
void json_cstr(struct json *j, const char *s);
void json_str_cut(struct json *j, const char *s, size_t n, size_t keep);
void json_int(struct json *j, long long v);
void json_num(struct json *j, double v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
void json_splice(struct json *j, const struct json *from);
int json_truncated(const struct json *j);
int json_lossy(const struct json *j, const char ***keys);
size_t json_utf8_valid(const unsigned char *s, size_t n);

#endif
