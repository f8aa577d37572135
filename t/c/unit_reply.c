/* unit_reply.c - SMTP reply validation (reply.c): codes, extended codes,
 * text lines, and the '%' escaping libmilter needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "reply.h"

/* test_reply - codes, extended codes and text lines */
static void
test_reply(void **state)
{
    char err[256], line[REPLY_MAX_LINE + 2];

    (void)state;
    assert_int_equal(reply_check_code("550", "5.7.1", err, sizeof err), 0);
    assert_int_equal(reply_check_code("451", NULL, err, sizeof err), 0);
    assert_int_equal(reply_check_code("421", "4.3.2", err, sizeof err), 0);
    assert_int_equal(reply_check_code("250", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("354", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("55", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("5500", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("abc", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("451", "5.7.1", err, sizeof err), -1);
    assert_non_null(strstr(err, "must look like 4.X.Y"));
    assert_int_equal(reply_check_code("550", "5.7", err, sizeof err), -1);
    assert_int_equal(reply_check_code("550", "5.7.1x", err, sizeof err), -1);
    assert_int_equal(reply_check_code("550", "5.1000.1", err, sizeof err), -1);
    assert_int_equal(reply_check_line("plain text", 10, err, sizeof err), 0);
    /* text is literal: a lone '%' is fine, it is doubled for libmilter */
    assert_int_equal(reply_check_line("100% sure", 9, err, sizeof err), 0);
    assert_int_equal(reply_check_line("user%relay@host", 15, err,
                                      sizeof err), 0);
    assert_int_equal(reply_escaped_len("a%b%%", 5), 8);
    {
        char out[16], back[16];
        assert_int_equal(reply_escape("100% a%%", 8, out), 11);
        assert_string_equal(out, "100%% a%%%%");
        memcpy(back, out, sizeof back);
        reply_unescape(back);
        assert_string_equal(back, "100% a%%");
    }
    assert_int_equal(reply_check_line("a\r\nb", 4, err, sizeof err), -1);
    assert_non_null(strstr(err, "CR"));
    assert_int_equal(reply_check_line("a\nb", 3, err, sizeof err), -1);
    assert_non_null(strstr(err, "LF"));
    assert_int_equal(reply_check_line("a\0b", 3, err, sizeof err), -1);
    assert_non_null(strstr(err, "NUL"));
    memset(line, 'x', sizeof line);
    assert_int_equal(reply_check_line(line, REPLY_MAX_LINE, err, sizeof err),
                     0);
    assert_int_equal(reply_check_line(line, REPLY_MAX_LINE + 1, err,
                                      sizeof err), -1);
    line[0] = '%';          /* counts twice once doubled: one byte too many */
    assert_int_equal(reply_check_line(line, REPLY_MAX_LINE, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "counts twice"));
}

/* main - run the reply tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
