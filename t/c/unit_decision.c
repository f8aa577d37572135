/* unit_decision.c - the decision record builder (src/session/decision*.c)
 * on a connection with a fake MTA: the fields of a delivered message, each
 * recipient's verdict, the modifications seen through the observing
 * backend (a body by its length), a 1 MiB header value and a 1 MiB sender
 * cut so the record fits decision_log_max and stays one JSON object, an
 * aborted message, a connection with no message, one record per message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "decision.h"
#include "event.h"
#include "json.h"
#include "mta_fake.h"

#define RECORDS_MAX 8

static char *records[RECORDS_MAX];
static int nrecords;

/* keep - the emit callback: render the record as decision_log would */
static void
keep(void *ud, const struct decision *d)
{
    struct json j;

    (void)ud;
    json_init(&j, JSON_UTF8, 0);
    assert_int_equal(decision_render(d, &j), 0);
    if (nrecords < RECORDS_MAX)
        records[nrecords++] = strdup(j.buf);
    json_free(&j);
}

/* forget - drop the records kept */
static void
forget(void)
{
    while (nrecords > 0)
        free(records[--nrecords]);
}

/* open_conn - a connection on fake f with records of at most max bytes,
 * connected from client.example [192.0.2.7]:2525 */
static struct conn *
open_conn(struct fake_mta *f, size_t max)
{
    struct conn *c = calloc(1, sizeof *c);
    struct event ev;
    char err[128];

    fake_reset(f);
    c->lc.mta = fake_mta_of(f);
    c->lc.id = 7;
    assert_int_equal(decision_attach(c, max, keep, NULL), 0);
    assert_int_equal(event_connect(&ev, "client.example", "inet", "192.0.2.7",
                                   2525, 0, 0, err, sizeof err), 0);
    decision_stage_start(c, ST_CONNECT, &ev);
    return c;
}

/* close_conn - the connection ends */
static void
close_conn(struct conn *c)
{
    decision_close(c);
    free(c);
}

/* envfrom - a message from sender */
static void
envfrom(struct conn *c, const char *from)
{
    struct event ev;

    event_str(&ev, from);
    c->lc.stage = ST_ENVFROM;
    decision_stage_start(c, ST_ENVFROM, &ev);
}

/* has - whether record i contains text */
static int
has(int i, const char *text)
{
    return i < nrecords && strstr(records[i], text) != NULL;
}

/* test_delivered - the fields of one message, in order */
static void
test_delivered(void **state)
{
    struct fake_mta f;
    struct conn *c = open_conn(&f, 64 << 10);
    const unsigned char body[] = "new body\r\n";

    (void)state;
    envfrom(c, "<a@example.com>");
    decision_rcpt(c, "<ok@x>", "accepted", NULL);
    decision_rcpt(c, "<no@x>", "rejected", "550 5.1.1 no");
    decision_policy_call(c, ST_EOM, 0.0015, "policy.lua:3: boom\nstack");
    mta_addheader(&c->lc.mta, "X-A", "1");
    mta_replacebody(&c->lc.mta, body, 10);
    mta_replacebody(&c->lc.mta, body, 10);
    decision_result(c, ST_EOM, "delivered", NULL);
    assert_int_equal(f.ncalls, 3);      /* they reached the MTA too */
    close_conn(c);
    assert_int_equal(nrecords, 1);
    assert_true(has(0, "\"conn\":7,\"message\":true,\"client\":{\"name\":"
                       "\"client.example\",\"addr\":\"192.0.2.7\",\"port\":"
                       "2525,\"family\":\"inet\"},\"from\":"
                       "\"<a@example.com>\",\"rcpts\":[{\"addr\":\"<ok@x>\","
                       "\"result\":\"accepted\"},{\"addr\":\"<no@x>\","
                       "\"result\":\"rejected\",\"reply\":\"550 5.1.1 no\"}]"));
    assert_true(has(0, "\"result\":\"delivered\",\"stage\":\"eom\","
                       "\"actions\":[{\"action\":\"addheader\",\"name\":"
                       "\"X-A\",\"value\":\"1\"},{\"action\":\"replacebody\","
                       "\"length\":20}],\"errors\":[\"policy.lua:3: boom\"],"
                       "\"ms\":1.5,\"stages_ms\":{\"eom\":1.5}}"));
    forget();
}

/* test_huge_values - a 1 MiB header value and sender are cut with a
 * marker, the record fits and keeps every field */
static void
test_huge_values(void **state)
{
    struct fake_mta f;
    size_t big = 1u << 20, max = 16 << 10;
    char *value = malloc(big + 1);
    struct conn *c;

    (void)state;
    memset(value, 'v', big);
    value[big] = '\0';
    c = open_conn(&f, max);
    envfrom(c, value);
    decision_rcpt(c, "<ok@x>", "accepted", NULL);
    mta_addheader(&c->lc.mta, "X-Huge", value);
    decision_result(c, ST_EOM, "delivered", NULL);
    close_conn(c);
    free(value);
    assert_int_equal(nrecords, 1);
    assert_true(strlen(records[0]) + 1 <= max);
    assert_true(records[0][0] == '{');
    assert_true(records[0][strlen(records[0]) - 1] == '}');
    assert_true(has(0, "bytes cut]\""));
    assert_true(has(0, "\"name\":\"X-Huge\""));
    assert_true(has(0, "\"rcpts\":[{\"addr\":\"<ok@x>\""));
    assert_true(has(0, "\"result\":\"delivered\""));
    forget();
}

/* test_aborted_and_gone - an abort, then every recipient refused and the
 * connection closed mid-message: one record each */
static void
test_aborted_and_gone(void **state)
{
    struct fake_mta f;
    struct conn *c = open_conn(&f, 64 << 10);

    (void)state;
    envfrom(c, "<a@x>");
    decision_rcpt(c, "<ok@x>", "accepted", NULL);
    decision_stage_start(c, ST_HEADER, NULL);
    decision_stage_start(c, ST_ABORT, NULL);
    decision_message_gone(c);
    decision_message_gone(c);           /* once only */
    envfrom(c, "<b@x>");
    decision_rcpt(c, "<t@x>", "tempfailed", "451 4.2.0 later");
    close_conn(c);
    assert_int_equal(nrecords, 2);
    assert_true(has(0, "\"result\":\"aborted\",\"stage\":\"header\""));
    assert_true(has(1, "\"result\":\"tempfailed\",\"stage\":\"envrcpt\","
                       "\"reply\":\"451 4.2.0 later\""));
    forget();
}

/* test_no_message - a connection refused at connect: one record, message
 * false; one only negotiated: none */
static void
test_no_message(void **state)
{
    struct fake_mta f;
    struct conn *c = open_conn(&f, 64 << 10), *n;

    (void)state;
    decision_connection_result(c, ST_CONNECT, "rejected", "554 5.7.1 no");
    close_conn(c);
    assert_int_equal(nrecords, 1);
    assert_true(has(0, "\"message\":false"));
    assert_true(has(0, "\"result\":\"rejected\",\"stage\":\"connect\","
                       "\"reply\":\"554 5.7.1 no\""));
    assert_false(has(0, "\"from\""));
    forget();
    n = calloc(1, sizeof *n);
    n->lc.mta = fake_mta_of(&f);
    assert_int_equal(decision_attach(n, 64 << 10, keep, NULL), 0);
    close_conn(n);
    assert_int_equal(nrecords, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delivered),
        cmocka_unit_test(test_huge_values),
        cmocka_unit_test(test_aborted_and_gone),
        cmocka_unit_test(test_no_message),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
