/* unit_stage.c - the stage table (stage.c): callback names both ways, the
 * protocol bits of each stage (each its own), the macro stages and their
 * names, and out-of-range stages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "stage.h"

/* test_callback_names - every stage's callback finds its stage again;
 * pymilter's names, not the protocol's */
static void
test_callback_names(void **state)
{
    int st;

    (void)state;
    for (st = ST_NEGOTIATE; st < ST_COUNT; st++)
        assert_int_equal(stage_by_callback(stage_info(st)->callback), st);
    assert_string_equal(stage_name(ST_HELO), "hello");
    assert_string_equal(stage_name(ST_EOM), "eom");
    assert_int_equal(stage_by_callback("helo"), -1);
    assert_int_equal(stage_by_callback("bogus"), -1);
    assert_int_equal(stage_by_callback(""), -1);
    assert_string_equal(stage_name(ST_NONE), "(outside a callback)");
    assert_ptr_equal(stage_info(ST_COUNT), stage_info(ST_NONE));
    assert_ptr_equal(stage_info((enum stage)-1), stage_info(ST_NONE));
}

/* test_protocol_bits - each skippable stage has its own SMFIP_NO* bit and
 * each reply-less one its own SMFIP_NR_* bit; eom, abort and close have
 * neither */
static void
test_protocol_bits(void **state)
{
    unsigned long no = 0, nr = 0;
    int st;

    (void)state;
    for (st = ST_CONNECT; st < ST_COUNT; st++) {
        const struct stage_info *si = stage_info(st);
        if (si->no_bit != 0) {
            assert_int_equal(no & si->no_bit, 0);
            no |= si->no_bit;
        }
        if (si->nr_bit != 0) {
            assert_int_equal(nr & si->nr_bit, 0);
            nr |= si->nr_bit;
        }
    }
    assert_int_equal(stage_info(ST_CONNECT)->no_bit, SMFIP_NOCONNECT);
    assert_int_equal(stage_info(ST_HEADER)->nr_bit, SMFIP_NR_HDR);
    assert_int_equal(stage_info(ST_UNKNOWN)->nr_bit, SMFIP_NR_UNKN);
    assert_int_equal(stage_info(ST_BODY)->no_bit, SMFIP_NOBODY);
    assert_int_equal(stage_info(ST_EOM)->no_bit | stage_info(ST_EOM)->nr_bit,
                     0);
    assert_int_equal(stage_info(ST_CLOSE)->no_bit, 0);
    assert_int_equal(stage_info(ST_ABORT)->nr_bit, 0);
}

/* test_symlist_stages - macro stage names, with their aliases, and the
 * table's macro stage of each callback */
static void
test_symlist_stages(void **state)
{
    int st;

    (void)state;
    assert_int_equal(stage_symlist_parse("connect"), SMFIM_CONNECT);
    assert_int_equal(stage_symlist_parse("helo"), SMFIM_HELO);
    assert_int_equal(stage_symlist_parse("hello"), SMFIM_HELO);
    assert_int_equal(stage_symlist_parse("mail"), SMFIM_ENVFROM);
    assert_int_equal(stage_symlist_parse("envfrom"), SMFIM_ENVFROM);
    assert_int_equal(stage_symlist_parse("rcpt"), SMFIM_ENVRCPT);
    assert_int_equal(stage_symlist_parse("data"), SMFIM_DATA);
    assert_int_equal(stage_symlist_parse("eoh"), SMFIM_EOH);
    assert_int_equal(stage_symlist_parse("eom"), SMFIM_EOM);
    assert_int_equal(stage_symlist_parse("header"), -1);
    assert_int_equal(stage_symlist_parse("EOM"), -1);
    for (st = ST_NEGOTIATE; st < ST_COUNT; st++) {
        const struct stage_info *si = stage_info(st);
        assert_int_equal(si->symlist_stage,
                         stage_symlist_parse(si->callback));
    }
}

/* main - run the stage table tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callback_names),
        cmocka_unit_test(test_protocol_bits),
        cmocka_unit_test(test_symlist_stages),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
