/*
 * decision_record.c - a decision record as JSON (see decision.h): the
 * fields the issue names, absent when unknown, every string through the
 * one JSON writer, cut so the line fits in decision_log_max.
 */
#include "decision.h"
#include "conn.h"
#include "json.h"
#include "notes.h"
#include "script.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* how a record is written: strings cut to keep bytes, lists to items */
struct shape {
    struct json *j;
    size_t keep, items;
};

/* str - a member "key": s cut to the shape's length (absent if NULL) */
static void
str(struct shape *sh, const char *key, const char *s)
{
    if (s == NULL)
        return;
    json_key(sh->j, key);
    json_str_cut(sh->j, s, strlen(s), sh->keep);
}

/* put_time - "time": now, RFC 3339 in UTC with milliseconds */
static void
put_time(struct json *j)
{
    struct timeval tv;
    struct tm tm;
    char buf[40];
    time_t t;

    gettimeofday(&tv, NULL);
    t = tv.tv_sec;
    gmtime_r(&t, &tm);
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
    json_key(j, "time");
    json_cstr(j, buf);
}

/* put_ms - milliseconds to the microsecond */
static void
put_ms(struct json *j, double ms)
{
    json_num(j, round(ms * 1000) / 1000);
}

/* put_client - "client": {name, addr, port, family} */
static void
put_client(struct shape *sh, const struct decision *d)
{
    if (d->client_name == NULL && d->client_addr == NULL)
        return;
    json_key(sh->j, "client");
    json_obj_begin(sh->j);
    str(sh, "name", d->client_name);
    str(sh, "addr", d->client_addr);
    if (d->client_port >= 0) {
        json_key(sh->j, "port");
        json_int(sh->j, d->client_port);
    }
    str(sh, "family", d->client_family);
    json_obj_end(sh->j);
}

/* put_rcpts - "rcpts": [{addr, result, reply}] */
static void
put_rcpts(struct shape *sh, const struct decision *d)
{
    size_t i;

    if (d->nrcpts == 0)
        return;
    json_key(sh->j, "rcpts");
    json_arr_begin(sh->j);
    for (i = 0; i < d->nrcpts && i < sh->items; i++) {
        json_obj_begin(sh->j);
        str(sh, "addr", d->rcpts[i].addr);
        str(sh, "result", d->rcpts[i].result);
        str(sh, "reply", d->rcpts[i].reply);
        json_obj_end(sh->j);
    }
    json_arr_end(sh->j);
}

/* put_actions - "actions": one object per modification */
static void
put_actions(struct shape *sh, const struct decision *d)
{
    size_t i;

    if (d->nactions == 0)
        return;
    json_key(sh->j, "actions");
    json_arr_begin(sh->j);
    for (i = 0; i < d->nactions && i < sh->items; i++) {
        const struct decision_action *a = &d->actions[i];
        json_obj_begin(sh->j);
        str(sh, "action", a->action);
        if (a->k1 != NULL)
            str(sh, a->k1, a->v1);
        if (a->k2 != NULL)
            str(sh, a->k2, a->v2);
        if (a->idx >= 0) {
            json_key(sh->j, "index");
            json_int(sh->j, a->idx);
        }
        if (strcmp(a->action, "replacebody") == 0) {
            json_key(sh->j, "length");
            json_int(sh->j, (long long)a->length);
        }
        json_obj_end(sh->j);
    }
    json_arr_end(sh->j);
}

/* put_errors - "errors": the policy's, FILE:LINE: message */
static void
put_errors(struct shape *sh, const struct decision *d)
{
    size_t i;

    if (d->nerrors == 0)
        return;
    json_key(sh->j, "errors");
    json_arr_begin(sh->j);
    for (i = 0; i < d->nerrors && i < sh->items; i++)
        json_str_cut(sh->j, d->errors[i], strlen(d->errors[i]), sh->keep);
    json_arr_end(sh->j);
}

/* put_stages_ms - "stages_ms": milliseconds in the policy per stage */
static void
put_stages_ms(struct json *j, const struct decision *d)
{
    int st;

    json_key(j, "stages_ms");
    json_obj_begin(j);
    for (st = 0; st < ST_COUNT; st++) {
        if (d->stages_ms[st] <= 0)
            continue;
        json_key(j, st == ST_NONE ? "setup" : decision_stage_word(st));
        put_ms(j, d->stages_ms[st]);
    }
    json_obj_end(j);
}

/* put_scalar - one note value (a string cut when noted says how many
 * bytes it had) */
static void
put_scalar(struct shape *sh, const struct note_scalar *v)
{
    switch (v->kind) {
    case NOTE_BOOL: json_bool(sh->j, (int)v->i); break;
    case NOTE_INT: json_int(sh->j, v->i); break;
    case NOTE_NUM: json_num(sh->j, v->d); break;
    default:
        json_str_cut(sh->j, v->s, v->full_len,
                     v->len < sh->keep ? v->len : sh->keep);
        break;
    }
}

/* note_member - one note as "key": value (an array's extra items left
 * out) */
static void
note_member(const struct note *n, void *ud)
{
    struct shape *sh = ud;
    size_t i;

    json_key(sh->j, n->key);
    if (!n->array) {
        if (n->n > 0)
            put_scalar(sh, &n->v[0]);
        else
            json_null(sh->j);
        return;
    }
    json_arr_begin(sh->j);
    for (i = 0; i < n->n && i < sh->items; i++)
        put_scalar(sh, &n->v[i]);
    json_arr_end(sh->j);
}

/* decision_write_members - the record's members into j's open object,
 * strings cut to keep bytes and lists to items */
void
decision_write_members(const struct decision *d, struct json *j, size_t keep,
                       size_t items)
{
    struct shape sh = {j, keep, items};
    const struct conn *c = d->c;

    put_time(j);
    json_key(j, "conn");
    json_int(j, (long long)c->lc.id);
    json_key(j, "message");
    json_bool(j, d->message);
    if (d->qid[0] != '\0')
        str(&sh, "qid", d->qid);
    put_client(&sh, d);
    str(&sh, "helo", d->helo);
    if (d->message)
        str(&sh, "from", d->from);
    put_rcpts(&sh, d);
    if (c->lc.script != NULL)
        str(&sh, "script", c->lc.script->hash);
    str(&sh, "result", d->result);
    if (d->result != NULL && d->stage != ST_NONE)
        str(&sh, "stage", decision_stage_word(d->stage));
    str(&sh, "reply", d->reply);
    put_actions(&sh, d);
    put_errors(&sh, d);
    json_key(j, "ms");
    put_ms(j, d->ms);
    put_stages_ms(j, d);
    if (items > 0 && notes_count(&c->lc) > 0) {
        json_key(j, "notes");
        json_obj_begin(j);
        notes_each(&c->lc, note_member, &sh);
        json_obj_end(j);
    }
    if (d->nrcpts > items || d->nactions > items || d->nerrors > items ||
        d->rcpts_given > d->nrcpts || d->actions_given > d->nactions ||
        d->errors_given > d->nerrors ||
        (items == 0 && notes_count(&c->lc) > 0)) {
        json_key(j, "cut");             /* items were left out */
        json_bool(j, 1);
    }
}

/* put_lossy - "lossy": the fields whose invalid UTF-8 became U+FFFD */
static void
put_lossy(struct json *j)
{
    const char **keys;
    int i, n = json_lossy(j, &keys);
    const char *copy[JSON_LOSSY_MAX];

    if (n == 0)
        return;
    memcpy(copy, keys, (size_t)n * sizeof *copy);
    json_key(j, "lossy");
    json_arr_begin(j);
    for (i = 0; i < n; i++)
        json_cstr(j, copy[i]);
    json_arr_end(j);
}

/* decision_render - the whole record (an object, no newline) into j, of
 * at most d->max - 1 bytes: strings are cut shorter and shorter, then
 * lists, until it fits.  0, or -1 when even the smallest does not. */
int
decision_render(const struct decision *d, struct json *j)
{
    static const struct { size_t div, keep, items; } tries[] = {
        {1, 0, SIZE_MAX}, {4, 0, SIZE_MAX}, {16, 0, SIZE_MAX},
        {0, 1024, SIZE_MAX}, {0, 256, SIZE_MAX}, {0, 64, 16}, {0, 64, 4},
        {0, 64, 0}
    };
    size_t i;

    for (i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        size_t keep = tries[i].div ? d->max / tries[i].div : tries[i].keep;
        json_reset(j);
        json_obj_begin(j);
        decision_write_members(d, j, keep, tries[i].items);
        put_lossy(j);
        json_obj_end(j);
        if (!json_truncated(j) && j->len + 1 <= d->max)
            return 0;
    }
    return -1;
}
