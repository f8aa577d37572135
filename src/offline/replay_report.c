/*
 * replay_report.c - replay's text and JSON output (see replay_report.h).
 */
#include "replay_report.h"
#include "decision.h"
#include "driver.h"
#include "record.h"
#include "verdict.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* print_text - write bytes as text, escaping what is not printable */
static void
print_text(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

/* print_ctext - print_text for a NUL-terminated string */
static void
print_ctext(const char *s)
{
    print_text(s, strlen(s));
}

/* is_header_op - whether an action names a header (shown "name: value") */
static int
is_header_op(const char *op)
{
    return strcmp(op, "addheader") == 0 || strcmp(op, "insheader") == 0 ||
           strcmp(op, "chgheader") == 0;
}

/* json_action - one recorded action as a JSON object */
static void
json_action(struct json *j, const struct record_action *a)
{
    json_obj_begin(j);
    json_key(j, "op");
    json_cstr(j, a->op);
    if (a->name != NULL) {
        json_key(j, "name");
        json_cstr(j, a->name);
    }
    if (a->value != NULL) {
        json_key(j, "value");
        json_cstr(j, a->value);
    }
    if (a->xcode != NULL) {
        json_key(j, "xcode");
        json_cstr(j, a->xcode);
    }
    if (a->idx >= 0) {
        json_key(j, "index");
        json_int(j, a->idx);
    }
    if (a->bytes != NULL) {
        json_key(j, "body");
        json_str(j, (const char *)a->bytes, a->len);
    }
    json_obj_end(j);
}

/* text_action - one recorded action as an indented text line */
static void
text_action(const struct record_action *a)
{
    printf("    %s", a->op);
    if (strcmp(a->op, "replacebody") == 0) {
        printf(" (%zu bytes) ", a->len);
        print_text((const char *)a->bytes, a->len > 200 ? 200 : a->len);
        if (a->len > 200)
            printf("...");
    } else if (strcmp(a->op, "setreply") == 0) {
        printf(" %s%s%s ", a->name, a->xcode ? " " : "",
               a->xcode ? a->xcode : "");
        print_ctext(a->value != NULL ? a->value : "");
    } else {
        if (a->idx >= 0)
            printf(" [%ld]", a->idx);
        if (a->name != NULL) {
            putchar(' ');
            print_ctext(a->name);
        }
        if (a->value != NULL) {
            printf(is_header_op(a->op) ? ": " : " ");
            print_ctext(a->value);
        } else if (strcmp(a->op, "chgheader") == 0) {
            printf(" (deleted)");
        }
    }
    putchar('\n');
}

/* show - a stage's line (text) or object (JSON), with its actions */
static void
show(struct report *r, const struct driver_step *s)
{
    size_t i;

    if (r->json) {
        json_obj_begin(&r->j);
        json_key(&r->j, "stage");
        json_cstr(&r->j, s->name);
        if (s->arg != NULL) {
            json_key(&r->j, "arg");
            json_str(&r->j, s->arg, s->arglen);
        }
        json_key(&r->j, "verdict");
        json_cstr(&r->j, verdict_word(s->status));
        json_key(&r->j, "reply");
        if (s->reply[0] != '\0')
            json_cstr(&r->j, s->reply);
        else
            json_null(&r->j);
        json_key(&r->j, "actions");
        json_arr_begin(&r->j);
        for (i = 0; i < s->count; i++)
            json_action(&r->j, record_get(s->rec, s->first + i));
        json_arr_end(&r->j);
        json_obj_end(&r->j);
        return;
    }
    printf("  %s", s->name);
    if (s->arg != NULL) {
        putchar(' ');
        print_text(s->arg, s->arglen);
    }
    printf(": %s", verdict_word(s->status));
    if (s->reply[0] != '\0') {
        putchar(' ');
        print_ctext(s->reply);
    }
    putchar('\n');
    for (i = 0; i < s->count; i++)
        text_action(record_get(s->rec, s->first + i));
}

/* on_note - "note: ..." (text), a string of "defaults" (JSON) */
static void
on_note(void *ud, const char *text)
{
    struct report *r = ud;

    if (r->json) {
        json_cstr(&r->defaults, text);
        return;
    }
    printf("  note: ");
    print_ctext(text);
    putchar('\n');
}

/* on_envelope - JSON: "from" and "rcpts", kept for a message that is not
 * run (a run one has its decision record's) */
static void
on_envelope(void *ud, const char *from, char *const *rcpts, size_t n)
{
    struct report *r = ud;
    size_t i;

    if (!r->json)
        return;
    json_reset(&r->env);
    json_obj_begin(&r->env);
    json_key(&r->env, "from");
    json_cstr(&r->env, from);
    json_obj_end(&r->env);
    json_reset(&r->rcpts);
    json_arr_begin(&r->rcpts);
    for (i = 0; i < n; i++) {
        json_obj_begin(&r->rcpts);
        json_key(&r->rcpts, "addr");
        json_cstr(&r->rcpts, rcpts[i]);
        json_obj_end(&r->rcpts);
    }
}

/* report_decision - the message's decision record (decision.h): its
 * fields for the JSON record (the first message's; not a connection's) */
void
report_decision(void *ud, const struct decision *d)
{
    struct report *r = ud;

    if (r->has_record || !d->message)
        return;
    json_reset(&r->record);
    json_obj_begin(&r->record);
    decision_write_members(d, &r->record, REPORT_RECORD_MAX / 16, SIZE_MAX);
    json_obj_end(&r->record);
    r->has_record = 1;
    r->record_from = d->from != NULL;
    r->record_rcpts = d->nrcpts > 0;
}

/* on_step - a callback as it ran; replay shows a header only when it did
 * something (a verdict other than continue, or actions), and neither body
 * chunks (summed up after the body), abort nor close */
static void
on_step(void *ud, const struct driver_step *s)
{
    struct report *r = ud;

    if (s->st == ST_BODY || s->st == ST_ABORT || s->st == ST_CLOSE)
        return;
    if (s->st == ST_HEADER && s->count == 0 &&
        (s->status == SMFIS_CONTINUE || s->status == SMFIS_NOREPLY))
        return;
    show(r, s);
}

/* on_skipped - a stage the policy did not ask for */
static void
on_skipped(void *ud, enum stage st, const char *name)
{
    struct report *r = ud;

    (void)st;
    if (r->json) {
        json_obj_begin(&r->j);
        json_key(&r->j, "stage");
        json_cstr(&r->j, name);
        json_key(&r->j, "verdict");
        json_cstr(&r->j, "skipped");
        json_obj_end(&r->j);
    } else {
        printf("  %s: skipped (not requested by the policy)\n", name);
    }
}

/* on_result - how the message ended, for report_end */
static void
on_result(void *ud, const struct driver_result *res)
{
    struct report *r = ud;

    if (res->skipped) {
        r->oc.result = "skipped";
        r->oc.verdict = NULL;
        r->oc.code = REPORT_SKIPPED_CODE;
        r->oc.reason = REPORT_NO_RCPT;
        return;
    }
    r->oc.result = res->result;
    r->oc.verdict = res->verdict;
    r->oc.code = strcmp(res->result, "quarantined") == 0 ? 1
                 : strcmp(res->result, "discarded") == 0 ? 2
                 : strcmp(res->result, "rejected") == 0  ? 3
                 : strcmp(res->result, "tempfailed") == 0 ? 4 : 0;
    snprintf(r->oc.reply, sizeof r->oc.reply, "%s", res->reply);
}

/* on_summary - the header block ("5 headers") or the body ("10 bytes in
 * 1 chunk") as one stage */
static void
on_summary(void *ud, const struct driver_step *s)
{
    show(ud, s);
}

const struct driver_observer report_observer = {
    on_note, on_envelope, on_step, on_summary, on_skipped, on_result
};

/* report_begin - start the report of the message in path */
void
report_begin(struct report *r, int json, const char *path)
{
    memset(r, 0, sizeof *r);
    r->json = json;
    r->oc.result = "delivered";
    r->oc.verdict = "continue";
    if (!json) {
        printf("message %s\n", path);
        return;
    }
    json_init(&r->j, JSON_BYTES, 0);
    json_arr_begin(&r->j);                  /* the stages */
    json_init(&r->defaults, JSON_BYTES, 0);
    json_arr_begin(&r->defaults);
    json_init(&r->env, JSON_BYTES, 0);
    json_init(&r->rcpts, JSON_BYTES, 0);
    json_arr_begin(&r->rcpts);
    json_init(&r->record, JSON_BYTES, REPORT_RECORD_MAX);
    r->path = path;
}

/* splice - a finished array writer as the value of key */
static void
splice(struct json *out, const char *key, struct json *arr)
{
    json_arr_end(arr);
    json_key(out, key);
    json_arr_begin(out);
    json_splice(out, arr);
    json_arr_end(out);
}

/* write_json - the whole record of the message */
static void
write_json(struct report *r)
{
    struct json out;

    json_init(&out, JSON_BYTES, 0);
    json_obj_begin(&out);
    if (r->has_record)
        json_splice(&out, &r->record);
    if (!r->record_from)        /* the policy did not see them: the */
        json_splice(&out, &r->env);     /* envelope the driver sent */
    if (!r->record_rcpts)
        splice(&out, "rcpts", &r->rcpts);
    json_key(&out, "file");
    json_cstr(&out, r->path);
    json_key(&out, "verdict");
    json_cstr(&out, r->oc.verdict);
    if (!r->has_record) {
        json_key(&out, "result");
        json_cstr(&out, r->oc.result);
        if (r->oc.reply[0] != '\0') {
            json_key(&out, "reply");
            json_cstr(&out, r->oc.reply);
        }
    }
    if (r->oc.reason != NULL) {
        json_key(&out, "reason");
        json_cstr(&out, r->oc.reason);
    }
    splice(&out, "defaults", &r->defaults);
    splice(&out, "stages", &r->j);
    json_obj_end(&out);
    if (out.buf != NULL)
        fwrite(out.buf, 1, out.len, stdout);
    putchar('\n');
    json_free(&out);
    json_free(&r->j);
    json_free(&r->defaults);
    json_free(&r->env);
    json_free(&r->rcpts);
    json_free(&r->record);
}

/* report_end - the result line, or the rest of the JSON record, written */
void
report_end(struct report *r)
{
    if (r->json) {
        write_json(r);
    } else {
        printf("  result: %s (%s)", r->oc.result,
               r->oc.reason != NULL ? r->oc.reason : r->oc.verdict);
        if (r->oc.reply[0] != '\0') {
            putchar(' ');
            print_ctext(r->oc.reply);
        }
        putchar('\n');
    }
    fflush(stdout);
}
