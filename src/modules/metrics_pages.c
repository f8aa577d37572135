/*
 * metrics_pages.c - the bodies of the HTTP endpoints (metrics_pages.h).
 */
#include "metrics.h"
#include "metrics_builtin.h"
#include "metrics_pages.h"
#include "metrics_process.h"
#include "metrics_registry.h"
#include "metrics_text.h"
#include "json.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_JSON_MAX (16u << 20)
#define CONN_FIELD 256

static const char text_type[] = "text/plain; charset=utf-8";
static const char json_type[] = "application/json";
static time_t started;

void (*metrics_connections_provider)(metrics_conn_put put, void *ud);

/* metrics_mark_start - remember when serving began (uptime) */
void
metrics_mark_start(void)
{
    if (started == 0)
        started = time(NULL);
}

/* metrics_render_all - the whole exposition: built-in, process, then the
 * policy's and the modules' families */
void
metrics_render_all(struct mtext *t)
{
    metrics_builtin_render(t);
    metrics_process_render(t);
    metrics_registry_render(t);
}

/* set_text - a plain text page */
static int
set_text(struct mpage *p, int status, const char *text)
{
    p->status = status;
    p->type = text_type;
    p->body = strdup(text);
    p->len = p->body != NULL ? strlen(p->body) : 0;
    return p->body != NULL ? 0 : -1;
}

/* take_json - the page is the writer's text and a newline */
static int
take_json(struct mpage *p, struct json *j)
{
    int truncated = json_truncated(j);

    p->status = 200;
    p->type = json_type;
    p->len = j->len;
    p->body = truncated ? NULL : malloc(j->len + 2);
    if (p->body != NULL) {
        memcpy(p->body, j->buf != NULL ? j->buf : "", j->len);
        memcpy(p->body + j->len, "\n", 2);
        p->len = j->len + 1;
    }
    json_free(j);
    if (truncated)
        return set_text(p, 500, "the page outgrew its size limit\n");
    return p->body != NULL ? 0 : -1;
}

/* health - NULL when serving, else why not */
static const char *
health(const struct metrics_state *st)
{
    if (st->draining)
        return "draining: luamilter is stopping (SIGTERM)";
    if (st->breaker_open)
        return "circuit breaker open: the policy keeps failing";
    if (st->script[0] == '\0')
        return "no script loaded";
    return NULL;
}

/* page_healthz - 200 ok, or 503 and the reason */
static int
page_healthz(struct mpage *p)
{
    struct metrics_state st;
    const char *why;
    char line[256];

    metrics_builtin_state(&st);
    why = health(&st);
    if (why == NULL)
        return set_text(p, 200, "ok\n");
    snprintf(line, sizeof line, "%s\n", why);
    return set_text(p, 503, line);
}

/* put_time - an ISO 8601 UTC time, or null if unknown */
static void
put_time(struct json *j, time_t t)
{
    struct tm tm;
    char buf[32];

    if (t == 0 || gmtime_r(&t, &tm) == NULL) {
        json_null(j);
        return;
    }
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_cstr(j, buf);
}

/* page_status - version, uptime, script, last reload, connections,
 * breaker */
static int
page_status(struct mpage *p)
{
    struct metrics_state st;
    struct json j;
    const char *why;

    metrics_builtin_state(&st);
    why = health(&st);
    json_init(&j, JSON_UTF8, PAGE_JSON_MAX);
    json_obj_begin(&j);
    json_key(&j, "version");
    json_cstr(&j, LUAMILTER_VERSION);
    json_key(&j, "started");
    put_time(&j, started);
    json_key(&j, "uptime");
    json_int(&j, started != 0 ? (long long)(time(NULL) - started) : 0);
    json_key(&j, "health");
    json_cstr(&j, why == NULL ? "ok" : why);
    json_key(&j, "script");
    json_obj_begin(&j);
    json_key(&j, "version");
    if (st.script[0] != '\0')
        json_cstr(&j, st.script);
    else
        json_null(&j);
    json_key(&j, "generation");
    json_int(&j, (long long)st.generation);
    json_key(&j, "loaded");
    put_time(&j, st.script_loaded);
    json_obj_end(&j);
    json_key(&j, "last_reload");
    json_obj_begin(&j);
    json_key(&j, "result");
    if (st.last_reload_ok < 0)
        json_null(&j);
    else
        json_cstr(&j, st.last_reload_ok ? "ok" : "failed");
    json_key(&j, "time");
    put_time(&j, st.last_reload);
    json_key(&j, "error");
    if (st.last_reload_ok == 0)
        json_cstr(&j, st.last_reload_error);
    else
        json_null(&j);
    json_key(&j, "ok");
    json_int(&j, st.reloads_ok);
    json_key(&j, "failed");
    json_int(&j, st.reloads_failed);
    json_obj_end(&j);
    json_key(&j, "connections");
    json_obj_begin(&j);
    json_key(&j, "open");
    json_int(&j, st.connections_open);
    json_key(&j, "total");
    json_int(&j, (long long)st.connections_total);
    json_key(&j, "refused");
    json_int(&j, (long long)st.connections_refused);
    json_obj_end(&j);
    json_key(&j, "breaker");
    json_cstr(&j, st.breaker_open ? "open" : "closed");
    json_key(&j, "draining");
    json_bool(&j, st.draining);
    json_obj_end(&j);
    return take_json(p, &j);
}

/* one open connection, copied from the provider */
struct conn_row {
    unsigned long id;
    char client[CONN_FIELD], helo[CONN_FIELD], stage[32], script[16],
        qid[64];
    int has_client, has_helo, has_stage, has_script, has_qid;
    double seconds;
    unsigned long messages;
};

struct conn_rows {
    struct conn_row *rows;
    size_t n, cap;
    int failed;
};

/* copy_field - a provider's string into a row's buffer */
static int
copy_field(char *dst, size_t len, const char *src)
{
    if (src == NULL)
        return 0;
    snprintf(dst, len, "%s", src);
    return 1;
}

/* collect_row - metrics_conn_put: keep one connection */
static void
collect_row(const struct metrics_conn_info *ci, void *ud)
{
    struct conn_rows *cr = ud;
    struct conn_row *r;

    if (cr->n == cr->cap) {
        size_t cap = cr->cap != 0 ? cr->cap * 2 : 64;
        struct conn_row *nr = realloc(cr->rows, cap * sizeof *nr);
        if (nr == NULL) {
            cr->failed = 1;
            return;
        }
        cr->rows = nr;
        cr->cap = cap;
    }
    r = &cr->rows[cr->n++];
    memset(r, 0, sizeof *r);
    r->id = ci->id;
    r->has_client = copy_field(r->client, sizeof r->client, ci->client);
    r->has_helo = copy_field(r->helo, sizeof r->helo, ci->helo);
    r->has_stage = copy_field(r->stage, sizeof r->stage, ci->stage);
    r->has_script = copy_field(r->script, sizeof r->script, ci->script);
    r->has_qid = copy_field(r->qid, sizeof r->qid, ci->qid);
    r->seconds = ci->stage_seconds;
    r->messages = ci->messages;
}

/* longest_first - qsort: the connection longest in its stage first */
static int
longest_first(const void *a, const void *b)
{
    const struct conn_row *x = a, *y = b;

    return x->seconds < y->seconds ? 1 : x->seconds > y->seconds ? -1 : 0;
}

/* put_opt - a string field, or null */
static void
put_opt(struct json *j, const char *key, int has, const char *v)
{
    json_key(j, key);
    if (has)
        json_cstr(j, v);
    else
        json_null(j);
}

/* page_connections - every open connection, the longest in its stage
 * first */
static int
page_connections(struct mpage *p)
{
    struct conn_rows cr = {NULL, 0, 0, 0};
    struct json j;
    size_t i;

    if (metrics_connections_provider == NULL) {
        json_init(&j, JSON_UTF8, PAGE_JSON_MAX);
        json_cstr(&j, "unknown");
        return take_json(p, &j);
    }
    metrics_connections_provider(collect_row, &cr);
    if (cr.n > 1)
        qsort(cr.rows, cr.n, sizeof *cr.rows, longest_first);
    json_init(&j, JSON_UTF8, PAGE_JSON_MAX);
    json_arr_begin(&j);
    for (i = 0; i < cr.n; i++) {
        const struct conn_row *r = &cr.rows[i];
        json_obj_begin(&j);
        json_key(&j, "conn");
        json_int(&j, (long long)r->id);
        put_opt(&j, "client", r->has_client, r->client);
        put_opt(&j, "helo", r->has_helo, r->helo);
        put_opt(&j, "stage", r->has_stage, r->stage);
        json_key(&j, "stage_seconds");
        json_num(&j, r->seconds);
        json_key(&j, "messages");
        json_int(&j, (long long)r->messages);
        put_opt(&j, "script", r->has_script, r->script);
        put_opt(&j, "qid", r->has_qid, r->qid);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    free(cr.rows);
    if (cr.failed) {
        json_free(&j);
        return set_text(p, 500, "out of memory\n");
    }
    return take_json(p, &j);
}

/* page_metrics - the exposition */
static int
page_metrics(struct mpage *p)
{
    struct mtext t;

    mtext_init(&t);
    metrics_render_all(&t);
    if (t.failed) {
        mtext_free(&t);
        return set_text(p, 500, "out of memory\n");
    }
    p->status = 200;
    p->type = "text/plain; version=0.0.4; charset=utf-8";
    p->body = t.buf != NULL ? t.buf : strdup("");
    p->len = t.len;
    return p->body != NULL ? 0 : -1;
}

/* metrics_page - the answer to method on path; -1 out of memory */
int
metrics_page(const char *method, const char *path, struct mpage *p)
{
    static const struct {
        const char *path;
        int (*page)(struct mpage *p);
    } pages[] = {
        {"/metrics", page_metrics},
        {"/healthz", page_healthz},
        {"/status", page_status},
        {"/connections", page_connections},
    };
    size_t i;

    memset(p, 0, sizeof *p);
    for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        if (strcmp(path, pages[i].path) != 0)
            continue;
        if (strcmp(method, "GET") != 0) {
            p->allow_get = 1;
            return set_text(p, 405, "only GET\n");
        }
        return pages[i].page(p);
    }
    return set_text(p, 404, "not found: /metrics, /healthz, /status, "
                    "/connections\n");
}
