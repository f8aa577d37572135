/* unit_json.c - the JSON writer: structure, escaping in both modes,
 * invalid UTF-8, cutting and the size cap (src/base/json.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "json.h"

/* test_structure - commas and nesting come out right */
static void
test_structure(void **state)
{
    struct json j;

    (void)state;
    json_init(&j, JSON_UTF8, 0);
    json_obj_begin(&j);
    json_key(&j, "a");
    json_int(&j, -3);
    json_key(&j, "b");
    json_arr_begin(&j);
    json_bool(&j, 1);
    json_null(&j);
    json_obj_begin(&j);
    json_obj_end(&j);
    json_arr_begin(&j);
    json_arr_end(&j);
    json_arr_end(&j);
    json_key(&j, "c");
    json_num(&j, 0.25);
    json_key(&j, "d");
    json_cstr(&j, NULL);
    json_obj_end(&j);
    assert_string_equal(j.buf,
                        "{\"a\":-3,\"b\":[true,null,{},[]],\"c\":0.25,\"d\":null}");
    assert_false(json_truncated(&j));
    json_reset(&j);
    json_arr_begin(&j);
    json_num(&j, 1.0 / 0.0);
    json_num(&j, 0.1);
    json_int(&j, 9007199254740993LL);
    json_arr_end(&j);
    assert_string_equal(j.buf, "[null,0.1,9007199254740993]");
    json_free(&j);
}

/* test_utf8 - valid UTF-8 kept, invalid bytes become U+FFFD and the key
 * is listed as lossy */
static void
test_utf8(void **state)
{
    struct json j;
    const char **keys;
    static const char mixed[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7"
                                " \xff\xc0\xaf \xed\xa0\x80 \"q\" \\ \x01";

    (void)state;
    json_init(&j, JSON_UTF8, 0);
    json_obj_begin(&j);
    json_key(&j, "subject");
    json_str(&j, mixed, sizeof mixed - 1);
    json_key(&j, "from");
    json_str(&j, "a\0b", 3);
    json_obj_end(&j);
    assert_string_equal(j.buf,
        "{\"subject\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7 "
        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \\\"q\\\" \\\\ \\u0001\","
        "\"from\":\"a\\u0000b\"}");
    assert_int_equal(json_lossy(&j, &keys), 1);
    assert_string_equal(keys[0], "subject");
    json_free(&j);
}

/* test_bytes - JSON_BYTES writes every non-ASCII byte as \u00HH */
static void
test_bytes(void **state)
{
    struct json j;
    const char **keys;

    (void)state;
    json_init(&j, JSON_BYTES, 0);
    json_str(&j, "\xc3\xa9\xff\x7f~", 5);
    assert_string_equal(j.buf, "\"\\u00c3\\u00a9\\u00ff\\u007f~\"");
    assert_int_equal(json_lossy(&j, &keys), 0);
    json_free(&j);
}

/* test_cut_and_cap - long strings are cut with a marker at a character
 * boundary; past max nothing more is added and it says so */
static void
test_cut_and_cap(void **state)
{
    struct json j;

    (void)state;
    json_init(&j, JSON_UTF8, 0);
    json_str_cut(&j, "ab\xc3\xa9xyz", 7, 3);
    assert_string_equal(j.buf, "\"ab...[5 bytes cut]\"");
    json_reset(&j);
    json_str_cut(&j, "abc", 3, 3);
    assert_string_equal(j.buf, "\"abc\"");
    json_free(&j);

    json_init(&j, JSON_UTF8, 16);
    json_arr_begin(&j);
    json_cstr(&j, "0123456789");
    json_cstr(&j, "0123456789");
    json_arr_end(&j);
    assert_true(json_truncated(&j));
    assert_true(j.len <= 16);
    json_free(&j);
}

/* test_valid_prefix - json_utf8_valid finds the first bad byte */
static void
test_valid_prefix(void **state)
{
    (void)state;
    assert_int_equal(json_utf8_valid((const unsigned char *)"ok\xc3\xa9", 4),
                     4);
    assert_int_equal(json_utf8_valid((const unsigned char *)"ok\xc3", 3), 2);
    assert_int_equal(json_utf8_valid((const unsigned char *)"\xe0\x80\x80",
                                     3), 0);        /* overlong */
    assert_int_equal(json_utf8_valid((const unsigned char *)"\xf4\x90\x80"
                                     "\x80", 4), 0);    /* past U+10FFFF */
}

/* main - run the JSON writer tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_cut_and_cap),
        cmocka_unit_test(test_valid_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
