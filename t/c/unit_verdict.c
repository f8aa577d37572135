/* unit_verdict.c - verdicts (verdict.c): codes and names, fitting a verdict
 * to its stage, on_error and its on_error_reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "reply.h"
#include "stage.h"
#include "verdict.h"

/* test_verdict - codes and names, fitting to stages, on_error */
static void
test_verdict(void **state)
{
    const char *r, *x, *t;
    int ign;

    (void)state;
    assert_int_equal(verdict_from_code(0), SMFIS_CONTINUE);
    assert_int_equal(verdict_from_code(1), SMFIS_REJECT);
    assert_int_equal(verdict_from_code(8), SMFIS_SKIP);
    assert_int_equal(verdict_from_code(5), -1);
    assert_int_equal(verdict_from_code(42), -1);
    assert_int_equal(verdict_from_code(10), -1);     /* ALL_OPTS: negotiate */
    assert_int_equal(verdict_from_name("reject"), SMFIS_REJECT);
    assert_int_equal(verdict_from_name("TEMPFAIL"), SMFIS_TEMPFAIL);
    assert_int_equal(verdict_from_name("bounce"), -1);
    /* a noreply stage answers NOREPLY whatever the script said */
    assert_int_equal(verdict_for_stage(SMFIS_REJECT, ST_HEADER, SMFIP_NR_HDR,
                                       &ign), SMFIS_NOREPLY);
    assert_int_equal(ign, 1);
    assert_int_equal(verdict_for_stage(SMFIS_CONTINUE, ST_HEADER,
                                       SMFIP_NR_HDR, &ign), SMFIS_NOREPLY);
    assert_int_equal(ign, 0);
    /* NOREPLY where the MTA waits would hang it: CONTINUE instead */
    assert_int_equal(verdict_for_stage(SMFIS_NOREPLY, ST_ENVRCPT, 0, &ign),
                     SMFIS_CONTINUE);
    assert_int_equal(verdict_for_stage(SMFIS_SKIP, ST_BODY, SMFIP_SKIP, &ign),
                     SMFIS_SKIP);
    assert_int_equal(verdict_for_stage(SMFIS_SKIP, ST_BODY, 0, &ign),
                     SMFIS_CONTINUE);
    assert_int_equal(verdict_for_stage(SMFIS_SKIP, ST_EOM, SMFIP_SKIP, &ign),
                     SMFIS_CONTINUE);
    assert_int_equal(ign, 1);
    assert_int_equal(verdict_for_stage(SMFIS_REJECT, ST_CLOSE, 0, &ign),
                     SMFIS_CONTINUE);
    assert_int_equal(verdict_for_stage(SMFIS_DISCARD, ST_EOM, 0, &ign),
                     SMFIS_DISCARD);
    assert_int_equal(verdict_on_error(ONERR_TEMPFAIL, NULL, &r, &x, &t),
                     SMFIS_TEMPFAIL);
    assert_string_equal(r, "451");
    assert_string_equal(x, "4.3.0");
    assert_string_equal(t, "Temporary mail filter failure");
    assert_int_equal(verdict_on_error(ONERR_REJECT, NULL, &r, &x, &t),
                     SMFIS_REJECT);
    assert_string_equal(r, "554");
    assert_string_equal(x, "5.3.0");
    assert_string_equal(t, "Mail filter failure");
    assert_int_equal(verdict_on_error(ONERR_CONTINUE, NULL, &r, &x, &t),
                     SMFIS_CONTINUE);
    assert_null(r);
    assert_int_equal(verdict_on_error(ONERR_ACCEPT, NULL, &r, &x, &t),
                     SMFIS_ACCEPT);
    {
        struct fixed_reply fr;
        char err[256];
        assert_int_equal(reply_parse("451 4.7.1 Policy down, 100% sure", &fr,
                                     err, sizeof err), 0);
        assert_int_equal(verdict_on_error(ONERR_TEMPFAIL, &fr, &r, &x, &t),
                         SMFIS_TEMPFAIL);
        assert_string_equal(r, "451");
        assert_string_equal(x, "4.7.1");
        assert_string_equal(t, "Policy down, 100% sure");
        assert_int_equal(reply_parse("421 closing", &fr, err, sizeof err), 0);
        verdict_on_error(ONERR_TEMPFAIL, &fr, &r, &x, &t);
        assert_null(x);
        assert_string_equal(t, "closing");
    }
}

/* main - run the verdict tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
