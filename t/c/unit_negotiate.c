/* unit_negotiate.c - negotiation (negotiate.c): the actions and protocol
 * flags a class shape asks for, within what the MTA offers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "negotiate.h"
#include "stage.h"

/* test_negotiate - the flags a class shape asks for */
static void
test_negotiate(void **state)
{
    struct policy_shape ps;
    unsigned long act, proto;

    (void)state;
    memset(&ps, 0, sizeof ps);
    negotiate_flags(&ps, 0x1ff, 0x1fffff, &act, &proto);
    assert_int_equal(act, 0x1ff);
    assert_true(proto & SMFIP_NOBODY);
    assert_true(proto & SMFIP_NOHDRS);
    assert_false(proto & SMFIP_NOCONNECT);  /* connect comes, for the log */
    assert_true(proto & SMFIP_NR_CONN);     /* ... without a reply */
    assert_true(proto & SMFIP_NOUNKNOWN);
    assert_true(proto & SMFIP_NODATA);
    assert_true(proto & SMFIP_SKIP);
    assert_false(proto & SMFIP_NR_HDR);

    ps.callbacks = STAGE_BIT(ST_BODY) | STAGE_BIT(ST_HEADER) |
                   STAGE_BIT(ST_EOM);
    ps.noreply = STAGE_BIT(ST_HEADER);
    negotiate_flags(&ps, 0x1ff, 0x1fffff, &act, &proto);
    assert_false(proto & SMFIP_NOBODY);
    assert_false(proto & SMFIP_NOHDRS);
    assert_true(proto & SMFIP_NR_HDR);
    assert_false(proto & SMFIP_NR_BODY);
    assert_true(proto & SMFIP_NOMAIL);

    /* what the MTA does not offer is never requested */
    negotiate_flags(&ps, 0x3f, SMFIP_NOCONNECT | SMFIP_NR_HDR, &act, &proto);
    assert_int_equal(act, 0x3f);
    assert_int_equal(proto & ~(SMFIP_NOCONNECT | SMFIP_NR_HDR), 0);

    ps.leadspc = 1;
    ps.rcpt_rej = 1;
    negotiate_flags(&ps, 0x1ff, 0x1fffff, &act, &proto);
    assert_true(proto & SMFIP_HDR_LEADSPC);
    assert_true(proto & SMFIP_RCPT_REJ);
}

/* main - run the negotiation tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
