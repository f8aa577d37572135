/* unit_message.c - splitting a stored message (message.c): headers with
 * their folding and raw values, an mbox From line, where the body starts,
 * CRLF line ends and NUL bytes in the body, a NUL in a header refused,
 * header lookup, and the addresses of an address-list header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

/* parse - split a literal message (len bytes), or fail */
static void
parse(const char *text, size_t len, struct message *m)
{
    char err[128];

    if (message_parse((const unsigned char *)text, len, m, err,
                      sizeof err) != 0)
        fail_msg("message refused: %s", err);
}

/* test_headers - names, raw values (leading space kept), folding joined
 * by "\n" with its white space, the first of two found without regard to
 * case */
static void
test_headers(void **state)
{
    static const char text[] =
        "From sender@example.org Mon Jan  1 00:00:00 2024\n"
        "Subject: Lunch\r\n"
        "  on Friday\r\n"
        "\tat noon\r\n"
        "X-Empty:\r\n"
        "x-dup: one\r\n"
        "X-Dup: two\r\n"
        "\r\n"
        "body\r\n";
    struct message m;

    (void)state;
    parse(text, sizeof text - 1, &m);
    assert_int_equal(m.nhdrs, 4);
    assert_string_equal(m.hdrs[0].name, "Subject");
    assert_string_equal(m.hdrs[0].value, " Lunch\n  on Friday\n\tat noon");
    assert_string_equal(m.hdrs[1].value, "");
    assert_string_equal(message_header(&m, "subject"),
                        " Lunch\n  on Friday\n\tat noon");
    assert_string_equal(message_header(&m, "X-DUP"), " one");
    assert_null(message_header(&m, "From"));
    assert_int_equal(m.bodylen, 6);
    assert_memory_equal(m.body, "body\r\n", 6);
    message_free(&m);
    assert_int_equal(m.nhdrs, 0);
    assert_null(m.body);
}

/* test_body - LF line ends become CRLF, CRLF stays, NUL bytes are kept;
 * a line that is no header ends the headers without a blank line */
static void
test_body(void **state)
{
    static const char text[] = "To: b@x\nnot a header\nx\0y\r\nlast";
    struct message m;

    (void)state;
    parse(text, sizeof text - 1, &m);
    assert_int_equal(m.nhdrs, 1);
    assert_string_equal(m.hdrs[0].value, " b@x");
    assert_int_equal(m.bodylen, 23);
    assert_memory_equal(m.body, "not a header\r\nx\0y\r\nlast", 23);
    message_free(&m);
    parse("", 0, &m);
    assert_int_equal(m.nhdrs, 0);
    assert_int_equal(m.bodylen, 0);
    message_free(&m);
    parse(" folded first\r\n", 15, &m);     /* nothing to continue */
    assert_int_equal(m.nhdrs, 0);
    assert_int_equal(m.bodylen, 15);
    message_free(&m);
}

/* test_nul_in_header - a NUL byte in a header line or its continuation
 * is refused with the reason */
static void
test_nul_in_header(void **state)
{
    static const char bad_value[] = "Subject: a\0b\r\n\r\nx";
    static const char bad_fold[] = "Subject: a\r\n b\0\r\n\r\nx";
    struct message m;
    char err[128];

    (void)state;
    assert_int_equal(message_parse((const unsigned char *)bad_value,
                                   sizeof bad_value - 1, &m, err, sizeof err),
                     -1);
    assert_string_equal(err, "a header line contains a NUL byte");
    assert_int_equal(message_parse((const unsigned char *)bad_fold,
                                   sizeof bad_fold - 1, &m, err, sizeof err),
                     -1);
    assert_string_equal(err, "a header line contains a NUL byte");
}

/* addresses_are - message_addresses(value) gives exactly these (NULL
 * ended) */
static void
addresses_are(const char *value, const char *const *want)
{
    char **got;
    size_t n = message_addresses(value, &got), i;

    for (i = 0; want[i] != NULL; i++) {
        if (i >= n)
            fail_msg("%s: %zu addresses, expected more", value, n);
        assert_string_equal(got[i], want[i]);
    }
    assert_int_equal(n, i);
    for (i = 0; i < n; i++)
        free(got[i]);
    free(got);
}

/* test_addresses - angle addresses, bare ones, a comma and angle brackets
 * inside a quoted name, and what is no address */
static void
test_addresses(void **state)
{
    static const char *const mixed[] = {"<a@x>", "<b@y>", "<c@z>", NULL};
    static const char *const none[] = {NULL};

    (void)state;
    addresses_are(" Alice <a@x>, b@y ,\"Smith <s@q>, R\" <c@z>", mixed);
    addresses_are(" undisclosed-recipients:;", none);
    addresses_are(" <>, no at sign, two words@x y", none);
    addresses_are("", none);
}

/* main - run the message tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_nul_in_header),
        cmocka_unit_test(test_addresses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
