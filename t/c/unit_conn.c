/* unit_conn.c - per-connection state (conn.c): a connection with no script
 * loaded, or whose policy cannot start, is broken with the reason; one on
 * the current script holds a reference to it and takes its on_error;
 * connections are numbered and counted; log lines name a connection with
 * its queue id once the MTA has given one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conn.h"
#include "mta_fake.h"
#include "policy_kit.h"
#include "script.h"

static const struct kit_limits limits = {2, 16u << 20, 0, NULL};
static struct fake_mta fake;

/* new_conn - a connection whose actions go to the fake MTA */
static struct conn *
new_conn(void)
{
    struct mta m = fake_mta_of(&fake);

    return conn_new(&m);
}

/* test_no_script - before any script is published: broken, named why,
 * answered with the default on_error */
static void
test_no_script(void **state)
{
    long before = conn_count();
    struct conn *c = new_conn();

    (void)state;
    assert_non_null(c);
    assert_int_equal(conn_count(), before + 1);
    assert_int_equal(c->mode, CONN_BROKEN);
    assert_string_equal(c->broken_why, "no policy script is loaded");
    assert_int_equal(c->on_error, ONERR_TEMPFAIL);
    assert_null(c->lc.L);
    conn_free(c);
    assert_int_equal(conn_count(), before);
}

/* publish - publish a policy; it, referenced by the caller as well */
static struct script *
publish(const char *src)
{
    struct script *s = kit_publish(src, &limits);

    script_ref(s);
    return s;
}

/* test_serving - a connection on the current script: serving, holds a
 * reference until it is freed, takes the script's on_error, numbered
 * after the last one */
static void
test_serving(void **state)
{
    struct script *s = publish("return {}\n");
    struct conn *a, *b;
    int refs = s->refs;

    (void)state;
    s->cfg->on_error = ONERR_REJECT;
    a = new_conn();
    b = new_conn();
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->mode, CONN_SERVING);
    assert_non_null(a->lc.L);
    assert_ptr_equal(a->lc.script, s);
    assert_int_equal(s->refs, refs + 2);
    assert_int_equal(a->on_error, ONERR_REJECT);
    assert_ptr_equal(a->on_error_reply, &s->cfg->on_error_reply);
    assert_int_equal(b->lc.id, a->lc.id + 1);
    conn_free(a);
    conn_free(b);
    assert_int_equal(s->refs, refs);
    s->cfg->on_error = ONERR_TEMPFAIL;
    script_unref(s);
}

/* test_policy_cannot_start - a top level that fails when a connection
 * starts (not when the script was checked): broken, named why, logged */
static void
test_policy_cannot_start(void **state)
{
    struct script *s = publish(
        "if os.getenv('LM_UNIT_CONN_FAIL') then error('told to fail') end\n"
        "return {}\n");
    struct conn *c;

    (void)state;
    setenv("LM_UNIT_CONN_FAIL", "1", 1);
    kit_log_capture();
    c = new_conn();
    unsetenv("LM_UNIT_CONN_FAIL");
    assert_non_null(c);
    assert_int_equal(c->mode, CONN_BROKEN);
    assert_string_equal(c->broken_why,
                        "the policy could not start: its top level failed");
    kit_log_has("cannot start the policy");
    kit_log_has("told to fail");
    conn_free(c);
    script_unref(s);
}

/* test_tag - "conn#N", with the queue id from a message stage on, not at
 * connect nor at close */
static void
test_tag(void **state)
{
    struct conn *c;
    char want[64], buf[CONN_TAG_MAX];

    (void)state;
    fake_reset(&fake);
    fake_macro(&fake, "i", "4XyZ1");
    c = new_conn();
    assert_non_null(c);
    c->lc.stage = ST_CONNECT;
    snprintf(want, sizeof want, "conn#%lu", c->lc.id);
    assert_string_equal(conn_tag(c, buf, sizeof buf), want);
    c->lc.stage = ST_ENVFROM;
    snprintf(want, sizeof want, "conn#%lu 4XyZ1", c->lc.id);
    assert_string_equal(conn_tag(c, buf, sizeof buf), want);
    c->lc.stage = ST_CLOSE;
    snprintf(want, sizeof want, "conn#%lu", c->lc.id);
    assert_string_equal(conn_tag(c, buf, sizeof buf), want);
    conn_free(c);
}

/* main - run the connection tests (test_no_script first: no script is
 * published before it) */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_script),
        cmocka_unit_test(test_serving),
        cmocka_unit_test(test_policy_cannot_start),
        cmocka_unit_test(test_tag),
    };

    return cmocka_run_group_tests(tests, kit_setup, kit_teardown);
}
