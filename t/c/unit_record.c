/* unit_record.c - the recording MTA (record.c) through its backend, as
 * replay and milter.test use it: macros with or without braces, replies
 * as the client reads them, every action in order, a replacement body
 * gathered into one, refusal, clearing, and the private pointer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "record.h"

/* action - the i-th recorded action, which must exist and be op */
static const struct record_action *
action(SMFICTX *ctx, size_t i, const char *op)
{
    const struct record_action *a = record_get(ctx, i);

    if (a == NULL)
        fail_msg("no action %zu (expected %s)", i, op);
    assert_string_equal(a->op, op);
    return a;
}

/* test_macros - "i" and "{i}" are one macro, set again it is replaced */
static void
test_macros(void **state)
{
    SMFICTX *ctx = record_new();

    (void)state;
    assert_non_null(ctx);
    assert_int_equal(record_set_macro(ctx, "{client_addr}", "192.0.2.1"), 0);
    assert_int_equal(record_set_macro(ctx, "i", "Q1"), 0);
    assert_string_equal(record_backend.getsymval(ctx, "client_addr"),
                        "192.0.2.1");
    assert_string_equal(record_backend.getsymval(ctx, "{i}"), "Q1");
    assert_int_equal(record_set_macro(ctx, "{i}", "Q2"), 0);
    assert_string_equal(record_backend.getsymval(ctx, "i"), "Q2");
    assert_null(record_backend.getsymval(ctx, "{auth_type}"));
    assert_null(record_backend.getsymval(ctx, "{}"));
    record_free(ctx);
}

/* test_replies - a reply is kept as the client reads it ("%%" undone), a
 * multi-line one joined by "\n", the extended code apart */
static void
test_replies(void **state)
{
    static const char *const lines[] = {"first 100%%", "second"};
    SMFICTX *ctx = record_new();
    const struct record_action *a;

    (void)state;
    assert_int_equal(record_backend.setreply(ctx, "550", "5.7.1",
                                             "100%% sure"), MI_SUCCESS);
    assert_int_equal(record_backend.setreply(ctx, "451", NULL, "later"),
                     MI_SUCCESS);
    assert_int_equal(record_backend.setmlreply(ctx, "550", "5.7.0", 2, lines),
                     MI_SUCCESS);
    a = action(ctx, 0, "setreply");
    assert_string_equal(a->name, "550");
    assert_string_equal(a->xcode, "5.7.1");
    assert_string_equal(a->value, "100% sure");
    a = action(ctx, 1, "setreply");
    assert_null(a->xcode);
    a = action(ctx, 2, "setreply");
    assert_string_equal(a->value, "first 100%\nsecond");
    assert_int_equal(record_count(ctx), 3);
    record_free(ctx);
}

/* test_actions - every request recorded in order with its arguments; the
 * replacement body is one action however many pieces it came in */
static void
test_actions(void **state)
{
    SMFICTX *ctx = record_new();
    const struct record_action *a;

    (void)state;
    record_backend.addheader(ctx, "X-A", "1");
    record_backend.insheader(ctx, 0, "X-Top", "t");
    record_backend.chgheader(ctx, "Subject", 2, NULL);
    record_backend.replacebody(ctx, (const unsigned char *)"ab\0", 3);
    record_backend.addrcpt(ctx, "<n@x>", "NOTIFY=NEVER");
    record_backend.replacebody(ctx, (const unsigned char *)"cd", 2);
    record_backend.delrcpt(ctx, "<o@x>");
    record_backend.chgfrom(ctx, "<f@x>", NULL);
    record_backend.quarantine(ctx, "held");
    record_backend.progress(ctx);
    record_backend.setsymlist(ctx, 2, "{auth_type}");
    assert_int_equal(record_count(ctx), 10);
    a = action(ctx, 0, "addheader");
    assert_string_equal(a->name, "X-A");
    assert_string_equal(a->value, "1");
    assert_int_equal(a->idx, -1);
    assert_int_equal(action(ctx, 1, "insheader")->idx, 0);
    a = action(ctx, 2, "chgheader");
    assert_int_equal(a->idx, 2);
    assert_null(a->value);                      /* deleted */
    a = action(ctx, 3, "replacebody");
    assert_int_equal(a->len, 5);
    assert_memory_equal(a->bytes, "ab\0cd", 5);
    assert_string_equal(action(ctx, 4, "addrcpt")->value, "NOTIFY=NEVER");
    assert_string_equal(action(ctx, 5, "delrcpt")->name, "<o@x>");
    assert_null(action(ctx, 6, "chgfrom")->value);
    assert_string_equal(action(ctx, 7, "quarantine")->name, "held");
    action(ctx, 8, "progress");
    a = action(ctx, 9, "setsymlist");
    assert_int_equal(a->idx, 2);
    assert_string_equal(a->value, "{auth_type}");
    assert_null(record_get(ctx, 10));
    record_clear(ctx);
    assert_int_equal(record_count(ctx), 0);
    record_backend.replacebody(ctx, (const unsigned char *)"new", 3);
    assert_int_equal(action(ctx, 0, "replacebody")->len, 3);
    record_free(ctx);
}

/* test_refuse_and_priv - a refusing context fails every request and
 * records none; the private pointer is kept, or preset */
static void
test_refuse_and_priv(void **state)
{
    SMFICTX *ctx = record_new();
    int x;

    (void)state;
    record_set_refuse(ctx, 1);
    assert_int_equal(record_backend.addheader(ctx, "X", "y"), MI_FAILURE);
    assert_int_equal(record_backend.setreply(ctx, "550", NULL, "no"),
                     MI_FAILURE);
    assert_int_equal(record_backend.replacebody(ctx,
                                                (const unsigned char *)"b",
                                                1), MI_FAILURE);
    assert_int_equal(record_count(ctx), 0);
    record_set_refuse(ctx, 0);
    assert_int_equal(record_backend.addheader(ctx, "X", "y"), MI_SUCCESS);
    assert_null(record_backend.getpriv(ctx));
    assert_int_equal(record_backend.setpriv(ctx, &x), MI_SUCCESS);
    assert_ptr_equal(record_backend.getpriv(ctx), &x);
    record_set_priv(ctx, NULL);
    assert_null(record_backend.getpriv(ctx));
    record_free(ctx);
    record_free(NULL);
}

/* main - run the recording MTA tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_refuse_and_priv),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
