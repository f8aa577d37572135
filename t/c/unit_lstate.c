/* unit_lstate.c - a connection state's allocator (lstate.c) under
 * memory_limit = 2M, driven through the session's entry points on the
 * fake MTA: a refusal the script catches still fails the callback, and
 * says so; a growth that Lua's emergency collection makes room for is no
 * refusal; a caught refusal followed by growth the collection absorbs
 * still fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "log.h"
#include "mta_fake.h"
#include "policy_kit.h"

static const struct kit_limits two_mib = {10, 2u << 20, 0, NULL};
static struct fake_mta fake;
static struct conn *conn;

/* eom_of - the eom verdict of one message on a policy (called name) with
 * these eom lines, under memory_limit = 2M; the log captured meanwhile */
static int
eom_of(const char *name, const char *eom_body)
{
    char src[2048];
    int st;

    snprintf(src, sizeof src,
             "local milter = require 'milter'\n"
             "local P = milter.Base:extend()\n"
             "function P:eom()\n%s\nend\n"
             "return P\n", eom_body);
    fake_reset(&fake);
    conn = kit_use(src, &two_mib, fake_mta_of(&fake));
    kit_log_capture();
    kit_bound(30, name);
    assert_int_equal(kit_envfrom(conn, "<a@x>"), SMFIS_CONTINUE);
    assert_int_equal(kit_envrcpt(conn, "<b@x>"), SMFIS_CONTINUE);
    st = kit_bare(conn, ST_EOM);
    kit_bound(0, name);
    kit_close(conn);
    conn = NULL;
    log_set_hook(NULL, NULL, NULL, NULL);
    return st;
}

/* test_caught_refusal - the script catches the refusal and accepts: the
 * callback fails all the same (on_error), and the log says why */
static void
test_caught_refusal(void **state)
{
    (void)state;
    assert_int_equal(eom_of("caught_oom",
        "  assert(not pcall(string.rep, 'x', 100e6))\n"
        "  return milter.ACCEPT"), SMFIS_TEMPFAIL);
    kit_log_has("memory_limit (2097152 bytes) exceeded: the script caught");
}

/* test_emergency_collection - a growth that fits once Lua's emergency
 * collection frees a dead string is no refusal */
static void
test_emergency_collection(void **state)
{
    (void)state;
    assert_int_equal(eom_of("emergency_gc",
        "  collectgarbage('generational')\n"
        "  local a = string.rep('a', 900000)\n"
        "  a = nil\n"
        "  local b = string.rep('b', 1000000)\n"
        "  return milter.REJECT"), SMFIS_REJECT);
}

/* test_caught_then_absorbed - a caught refusal, then growth the
 * collection absorbs: the caught one still fails the callback */
static void
test_caught_then_absorbed(void **state)
{
    (void)state;
    assert_int_equal(eom_of("caught_then_absorbed",
        "  collectgarbage('stop')\n"
        "  local big = {}\n"
        "  pcall(function() for i = 1, 1e8 do big[i] = i end end)\n"
        "  big = nil\n"
        "  local t = {}\n"
        "  for i = 1, 100000 do t[i] = i end\n"
        "  collectgarbage('restart')\n"
        "  return milter.ACCEPT"), SMFIS_TEMPFAIL);
}

/* main - run the allocator tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caught_refusal),
        cmocka_unit_test(test_emergency_collection),
        cmocka_unit_test(test_caught_then_absorbed),
    };

    return cmocka_run_group_tests(tests, kit_setup, kit_teardown);
}
