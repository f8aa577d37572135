/* unit_record.c - the recording MTA (record.c) through its backend
 * (record_mta), as the driver uses it for replay and milter.test: macros
 * with or without braces, the caller's kept over defaults, replies as the
 * client reads them, every action in order, a replacement body gathered
 * into one, clearing, and the backend bound to its recorder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "mta.h"
#include "record.h"

/* action - the i-th recorded action, which must exist and be op */
static const struct record_action *
action(const struct record *r, size_t i, const char *op)
{
    const struct record_action *a = record_get(r, i);

    if (a == NULL)
        fail_msg("no action %zu (expected %s)", i, op);
    assert_string_equal(a->op, op);
    return a;
}

/* test_macros - "i" and "{i}" are one macro, set again it is replaced */
static void
test_macros(void **state)
{
    struct record *r = record_new();
    struct mta m = record_mta(r);

    (void)state;
    assert_non_null(r);
    assert_int_equal(record_set_macro(r, "{client_addr}", "192.0.2.1"), 0);
    assert_int_equal(record_set_macro(r, "i", "Q1"), 0);
    assert_string_equal(mta_getsymval(&m, "client_addr"),
                        "192.0.2.1");
    assert_string_equal(mta_getsymval(&m, "{i}"), "Q1");
    assert_int_equal(record_set_macro(r, "{i}", "Q2"), 0);
    assert_string_equal(mta_getsymval(&m, "i"), "Q2");
    assert_null(mta_getsymval(&m, "{auth_type}"));
    assert_null(mta_getsymval(&m, "{}"));
    record_free(r);
}

/* test_replies - a reply is kept as the client reads it ("%%" undone), a
 * multi-line one joined by "\n", the extended code apart */
static void
test_replies(void **state)
{
    static const char *const lines[] = {"first 100%%", "second"};
    struct record *r = record_new();
    struct mta m = record_mta(r);
    const struct record_action *a;

    (void)state;
    assert_int_equal(mta_setreply(&m, "550", "5.7.1",
                                             "100%% sure"), MI_SUCCESS);
    assert_int_equal(mta_setreply(&m, "451", NULL, "later"),
                     MI_SUCCESS);
    assert_int_equal(mta_setmlreply(&m, "550", "5.7.0", 2, lines),
                     MI_SUCCESS);
    a = action(r, 0, "setreply");
    assert_string_equal(a->name, "550");
    assert_string_equal(a->xcode, "5.7.1");
    assert_string_equal(a->value, "100% sure");
    a = action(r, 1, "setreply");
    assert_null(a->xcode);
    a = action(r, 2, "setreply");
    assert_string_equal(a->value, "first 100%\nsecond");
    assert_int_equal(record_count(r), 3);
    record_free(r);
}

/* test_actions - every request recorded in order with its arguments; the
 * replacement body is one action however many pieces it came in */
static void
test_actions(void **state)
{
    struct record *r = record_new();
    struct mta m = record_mta(r);
    const struct record_action *a;

    (void)state;
    mta_addheader(&m, "X-A", "1");
    mta_insheader(&m, 0, "X-Top", "t");
    mta_chgheader(&m, "Subject", 2, NULL);
    mta_replacebody(&m, (const unsigned char *)"ab\0", 3);
    mta_addrcpt(&m, "<n@x>", "NOTIFY=NEVER");
    mta_replacebody(&m, (const unsigned char *)"cd", 2);
    mta_delrcpt(&m, "<o@x>");
    mta_chgfrom(&m, "<f@x>", NULL);
    mta_quarantine(&m, "held");
    mta_progress(&m);
    mta_setsymlist(&m, 2, "{auth_type}");
    assert_int_equal(record_count(r), 10);
    a = action(r, 0, "addheader");
    assert_string_equal(a->name, "X-A");
    assert_string_equal(a->value, "1");
    assert_int_equal(a->idx, -1);
    assert_int_equal(action(r, 1, "insheader")->idx, 0);
    a = action(r, 2, "chgheader");
    assert_int_equal(a->idx, 2);
    assert_null(a->value);                      /* deleted */
    a = action(r, 3, "replacebody");
    assert_int_equal(a->len, 5);
    assert_memory_equal(a->bytes, "ab\0cd", 5);
    assert_string_equal(action(r, 4, "addrcpt")->value, "NOTIFY=NEVER");
    assert_string_equal(action(r, 5, "delrcpt")->name, "<o@x>");
    assert_null(action(r, 6, "chgfrom")->value);
    assert_string_equal(action(r, 7, "quarantine")->name, "held");
    action(r, 8, "progress");
    a = action(r, 9, "setsymlist");
    assert_int_equal(a->idx, 2);
    assert_string_equal(a->value, "{auth_type}");
    assert_null(record_get(r, 10));
    record_clear(r);
    assert_int_equal(record_count(r), 0);
    mta_replacebody(&m, (const unsigned char *)"new", 3);
    assert_int_equal(action(r, 0, "replacebody")->len, 3);
    record_free(r);
}

/* test_defaults - a default macro fills in what the caller left unset,
 * and gives way to it: set before or after, the caller's value stays */
static void
test_defaults(void **state)
{
    struct record *r = record_new();
    struct mta m = record_mta(r);

    (void)state;
    assert_int_equal(record_set_macro(r, "{daemon_name}", "mine"), 0);
    assert_int_equal(record_default_macro(r, "daemon_name", "default"), 0);
    assert_string_equal(mta_getsymval(&m, "{daemon_name}"), "mine");
    assert_int_equal(record_default_macro(r, "j", "mx.default"), 0);
    assert_string_equal(mta_getsymval(&m, "j"), "mx.default");
    assert_int_equal(record_default_macro(r, "{j}", "mx.other"), 0);
    assert_string_equal(mta_getsymval(&m, "j"), "mx.other");
    assert_int_equal(record_set_macro(r, "j", "mx.mine"), 0);
    assert_int_equal(record_default_macro(r, "j", "mx.late"), 0);
    assert_string_equal(mta_getsymval(&m, "{j}"), "mx.mine");
    record_free(r);
}

/* test_bound_to_its_recorder - the backend (what replaced the old
 * context's private pointer: a connection holds its backend for life) is
 * the recorder's own: what goes through one recorder's backend lands in
 * it alone; freeing NULL is harmless */
static void
test_bound_to_its_recorder(void **state)
{
    struct record *r1 = record_new(), *r2 = record_new();
    struct mta m1 = record_mta(r1), m2 = record_mta(r2);

    (void)state;
    assert_non_null(m1.ops);
    assert_ptr_equal(m1.ctx, r1);
    assert_ptr_equal(m2.ctx, r2);
    assert_int_equal(record_set_macro(r1, "i", "Q1"), 0);
    assert_int_equal(mta_addheader(&m1, "X", "y"), MI_SUCCESS);
    assert_int_equal(record_count(r1), 1);
    assert_int_equal(record_count(r2), 0);
    assert_null(mta_getsymval(&m2, "i"));
    assert_int_equal(mta_quarantine(&m2, "held"), MI_SUCCESS);
    assert_string_equal(action(r2, 0, "quarantine")->name, "held");
    assert_int_equal(record_count(r1), 1);
    record_free(r1);
    record_free(r2);
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
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bound_to_its_recorder),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
