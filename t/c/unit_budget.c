/* unit_budget.c - the time budget (budget.c) of a real policy state,
 * driven through the session's entry points on the recording MTA, with
 * callback_timeout 0.5 s (0.2 s where the script must be stopped): slow
 * library calls, in a loop, inside a coroutine, and one followed by
 * nothing but a return; a coroutine an overrun killed, closed in a later
 * callback; a wrap coroutine and an xpcall handler that loop once the
 * overrun is raised; a coroutine.wrap function resumed from inside
 * itself; 10000 nested closes; a symlist __index that loops; and a
 * policy's own tests (policytest.c) each timed inside the budget of the
 * whole run.  Each case must end within 5 s (the coroutine kept across
 * tests: 10 s). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "engine.h"
#include "mta.h"
#include "policy_kit.h"
#include "policytest.h"
#include "record.h"
#include "script.h"

#define CASE_SECONDS 5          /* the bound on each case */

/* for what must end within its budget (and a policy's whole test run) */
static const struct kit_limits budget = {0.5, 16u << 20, 0, NULL};
/* for what must be stopped: a shorter budget keeps the program short */
static const struct kit_limits short_budget = {0.2, 16u << 20, 0, NULL};
/* for a library call of about 0.3 s of CPU that no hook interrupts */
static const struct kit_limits tight = {0.05, 16u << 20, 0, NULL};

/* one connection on the recording MTA */
struct rconn {
    struct record *rec;
    struct conn *c;
};

/* open_with - a connection on a new recorder, negotiated with this
 * policy, loaded with these limits */
static struct rconn
open_with(const char *src, const struct kit_limits *lim)
{
    struct rconn rc;

    rc.rec = record_new();
    assert_non_null(rc.rec);
    rc.c = kit_use(src, lim, record_mta(rc.rec));
    return rc;
}

/* close_conn - close the connection and free its recorder */
static void
close_conn(struct rconn rc)
{
    kit_close(rc.c);
    record_free(rc.rec);
}

/* eom_with - the eom verdict of one message from <a@x> to <b@x> under
 * these limits, within CASE_SECONDS */
static int
eom_with(const char *name, const struct kit_limits *lim, const char *src)
{
    struct rconn rc;
    int st;

    kit_bound(CASE_SECONDS, name);
    rc = open_with(src, lim);
    assert_int_equal(kit_envfrom(rc.c, "<a@x>"), SMFIS_CONTINUE);
    assert_int_equal(kit_envrcpt(rc.c, "<b@x>"), SMFIS_CONTINUE);
    st = kit_bare(rc.c, ST_EOM);
    kit_bound(0, name);
    close_conn(rc);
    return st;
}

/* eom_of - the same with callback_timeout = 0.5 */
static int
eom_of(const char *name, const char *src)
{
    return eom_with(name, &budget, src);
}

/* stopped_eom - the same with callback_timeout = 0.2 */
static int
stopped_eom(const char *name, const char *src)
{
    return eom_with(name, &short_budget, src);
}

/* reply_of - the last reply recorded on rec, "rcode xcode" */
static const char *
reply_of(const struct record *rec)
{
    static char buf[64];
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < record_count(rec); i++) {
        const struct record_action *a = record_get(rec, i);
        if (strcmp(a->op, "setreply") == 0)
            snprintf(buf, sizeof buf, "%s %s", a->name,
                     a->xcode != NULL ? a->xcode : "");
    }
    return buf;
}

/* test_nested_close - 10000 nested closes (Lua 5.4.4 overflows its C
 * stack there): refused past a depth, the callback ends with its verdict */
static void
test_nested_close(void **state)
{
    (void)state;
    assert_int_equal(eom_of("nested_close",
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "function P:eom()\n"
        "  local coro = false\n"
        "  for i = 1, 10000 do\n"
        "    local previous = coro\n"
        "    coro = coroutine.create(function()\n"
        "      local cc <close> = setmetatable({}, {__close = function()\n"
        "        if previous then coroutine.close(previous) end end})\n"
        "      coroutine.yield()\n"
        "    end)\n"
        "    coroutine.resume(coro)\n"
        "  end\n"
        "  coroutine.close(coro)\n"
        "  return milter.REJECT\n"
        "end\n"
        "return P\n"), SMFIS_REJECT);
}

/* test_slow_library_call - few instructions, seconds inside string.gsub:
 * the call is stopped and fails (on_error: tempfail), named in the log */
static void
test_slow_library_call(void **state)
{
    (void)state;
    kit_log_capture();
    assert_int_equal(stopped_eom("slow_c",
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "function P:eom()\n"
        "  local s = string.rep('a', 2e6)\n"
        "  for i = 1, 40 do s:gsub('.', '%0') end\n"
        "  return milter.ACCEPT\n"
        "end\n"
        "return P\n"), SMFIS_TEMPFAIL);
    kit_log_has("eom ran over callback_timeout (0.2 s)");
}

/* test_slow_call_then_return - one library call longer than the budget
 * (a backtracking string.find: no allocation, no hook inside), then only a
 * return: the call is reported as failed all the same */
static void
test_slow_call_then_return(void **state)
{
    (void)state;
    assert_int_equal(eom_with("slow_find", &tight,
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "function P:eom()\n"
        "  local s = ('a'):rep(16)\n"
        "  s:find(('a*'):rep(10) .. 'b')\n"
        "  return milter.ACCEPT\n"
        "end\n"
        "return P\n"), SMFIS_TEMPFAIL);
}

/* test_slow_library_loop - the same call forever */
static void
test_slow_library_loop(void **state)
{
    (void)state;
    assert_int_equal(stopped_eom("slow_c_loop",
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "function P:eom()\n"
        "  local s = string.rep('a', 2e6)\n"
        "  while true do s:gsub('.', '%0') end\n"
        "end\n"
        "return P\n"), SMFIS_TEMPFAIL);
}

/* test_slow_library_coroutine - the same inside a coroutine: resume
 * catches the error, the callback still fails */
static void
test_slow_library_coroutine(void **state)
{
    (void)state;
    assert_int_equal(stopped_eom("slow_c_co",
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "function P:eom()\n"
        "  local co = coroutine.create(function()\n"
        "    local s = string.rep('a', 2e6)\n"
        "    while true do s:gsub('.', '%0') end\n"
        "  end)\n"
        "  coroutine.resume(co)\n"
        "  return milter.ACCEPT\n"
        "end\n"
        "return P\n"), SMFIS_TEMPFAIL);
}

/* test_killed_coroutine_closed_later - the first envrcpt dies of the
 * overrun (451 4.3.0) with a coroutine whose __close loops; the second
 * closes that coroutine: refused, its handler is not run, and the
 * recipient goes on */
static void
test_killed_coroutine_closed_later(void **state)
{
    struct rconn rc;

    (void)state;
    kit_bound(CASE_SECONDS, "killed_close");
    rc = open_with(
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "local co\n"
        "function P:envrcpt()\n"
        "  if not co then\n"
        "    co = coroutine.create(function()\n"
        "      local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
        "      while true do end\n"
        "    end)\n"
        "    coroutine.resume(co)\n"
        "    return milter.ACCEPT\n"
        "  end\n"
        "  assert(not coroutine.close(co))\n"
        "end\n"
        "return P\n", &short_budget);
    assert_int_equal(kit_envfrom(rc.c, "<s@x>"), SMFIS_CONTINUE);
    assert_int_equal(kit_envrcpt(rc.c, "<a@x>"), SMFIS_TEMPFAIL);
    assert_string_equal(reply_of(rc.rec), "451 4.3.0");
    record_clear(rc.rec);
    assert_int_equal(kit_envrcpt(rc.c, "<b@x>"), SMFIS_CONTINUE);
    assert_string_equal(reply_of(rc.rec), "");
    assert_int_equal(kit_bare(rc.c, ST_EOM), SMFIS_CONTINUE);
    kit_bound(0, "killed_close");
    close_conn(rc);
}

/* test_wrap_close_loop - a coroutine.wrap coroutine dies of the overrun
 * with a __close that loops: wrap must not run it (Lua would, with hooks
 * off); the caught error still fails the callback */
static void
test_wrap_close_loop(void **state)
{
    (void)state;
    assert_int_equal(stopped_eom("wrap_close_loop",
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "function P:eom()\n"
        "  pcall(coroutine.wrap(function()\n"
        "    local guard <close> = setmetatable({}, {__close = function() while true do end end})\n"
        "    while true do end\n"
        "  end))\n"
        "  return milter.ACCEPT\n"
        "end\n"
        "return P\n"), SMFIS_TEMPFAIL);
}

/* test_xpcall_handler_loop - an xpcall whose message handler loops (Lua
 * runs it with hooks off after an overrun): skipped, the callback fails */
static void
test_xpcall_handler_loop(void **state)
{
    (void)state;
    assert_int_equal(stopped_eom("xpcall_handler_loop",
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "function P:eom()\n"
        "  xpcall(function() while true do end end, function() while true do end end)\n"
        "  return milter.ACCEPT\n"
        "end\n"
        "return P\n"), SMFIS_TEMPFAIL);
}

/* test_self_resume - a coroutine.wrap function resumed (and refused) from
 * a coroutine it runs, 3000 calls deep: the outer call goes on */
static void
test_self_resume(void **state)
{
    (void)state;
    assert_int_equal(eom_of("self_resume",
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "function P:eom()\n"
        "  local f\n"
        "  f = coroutine.wrap(function()\n"
        "    local function deep(n)\n"
        "      if n > 0 then return (deep(n - 1)) end\n"
        "      local ok = coroutine.resume(coroutine.create(function() f(1) end))\n"
        "      assert(not ok)\n"
        "      return 'back'\n"
        "    end\n"
        "    return deep(3000)\n"
        "  end)\n"
        "  assert(select(2, pcall(f)) == 'back')\n"
        "  return milter.REJECT\n"
        "end\n"
        "return P\n"), SMFIS_REJECT);
}

/* test_symlist_loop - the class's __index loops when negotiation reads
 * symlist: stopped; the connection's first reply is on_error's */
static void
test_symlist_loop(void **state)
{
    struct rconn rc;

    (void)state;
    kit_bound(CASE_SECONDS, "symlist_loop");
    rc = open_with(
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "local armed = false\n"
        "function P:negotiate() armed = true end\n"
        "setmetatable(P, {__index = function(t, k)\n"
        "  if k == 'symlist' and armed then while true do end end\n"
        "  return milter.Base[k]\n"
        "end})\n"
        "function P:eom() return milter.ACCEPT end\n"
        "return P\n", &short_budget);
    assert_int_equal(kit_envfrom(rc.c, "<a@x>"), SMFIS_TEMPFAIL);
    assert_string_equal(reply_of(rc.rec), "451 4.3.0");
    kit_bound(0, "symlist_loop");
    close_conn(rc);
}

/* load_with_tests - load a policy whose own tests run (as at -t and
 * SIGHUP), within seconds; fail unless they pass with this report line */
static void
load_with_tests(const char *name, unsigned seconds, const char *src,
                const char *report_line)
{
    char err[4096];
    struct script *s;

    kit_bound(seconds, name);
    engine_set_tester(policytest_run);
    s = kit_load(src, &budget, err, sizeof err);
    engine_set_tester(NULL);
    kit_bound(0, name);
    if (s == NULL)
        fail_msg("%s: its tests did not pass: %s", name, err);
    if (s->test_report == NULL || strstr(s->test_report, report_line) == NULL)
        fail_msg("%s: no \"%s\" in the report: %s", name, report_line,
                 s->test_report != NULL ? s->test_report : "(none)");
    script_unref(s);
}

/* test_looping_test - a test whose eom loops: that callback runs over
 * (tempfail, as the test expects); the run goes on and passes */
static void
test_looping_test(void **state)
{
    (void)state;
    load_with_tests("looping_test", CASE_SECONDS,
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "function P:eom() while true do end end\n"
        "P.tests = { { name = 'runaway', message = 'Subject: x\\r\\n\\r\\nx\\r\\n',\n"
        "  rcpt = { '<b@x>' }, expect = { verdict = 'tempfail' } } }\n"
        "return P\n", "test runaway: ok");
}

/* test_coroutine_across_tests - a coroutine made in one test's callback
 * and resumed in the next test's, after full collections */
static void
test_coroutine_across_tests(void **state)
{
    (void)state;
    load_with_tests("coroutine_across_tests", 2 * CASE_SECONDS,
        "local milter = require 'milter'\n"
        "local P = milter.Base:extend()\n"
        "local saved\n"
        "function P:eom()\n"
        "  if saved == nil then\n"
        "    saved = coroutine.create(function()\n"
        "      coroutine.yield(1)\n"
        "      local x = 0\n"
        "      for i = 1, 10000 do x = x + i end\n"
        "      return x\n"
        "    end)\n"
        "  else\n"
        "    collectgarbage(); collectgarbage()\n"
        "    coroutine.resume(saved)\n"
        "    assert(select(2, coroutine.resume(saved)) == 50005000)\n"
        "  end\n"
        "  return milter.ACCEPT\n"
        "end\n"
        "local m = 'From: a@b\\r\\nTo: c@d\\r\\nSubject: x\\r\\n\\r\\nhi\\r\\n'\n"
        "P.tests = { { name = 'one', message = m, expect = { result = 'delivered' } },\n"
        "            { name = 'two', message = m, expect = { result = 'delivered' } } }\n"
        "return P\n", "test two: ok");
}

/* main - run the budget tests with the library from the tree, each
 * connection on a recorder of its own */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_close),
        cmocka_unit_test(test_slow_library_call),
        cmocka_unit_test(test_slow_call_then_return),
        cmocka_unit_test(test_slow_library_loop),
        cmocka_unit_test(test_slow_library_coroutine),
        cmocka_unit_test(test_killed_coroutine_closed_later),
        cmocka_unit_test(test_wrap_close_loop),
        cmocka_unit_test(test_xpcall_handler_loop),
        cmocka_unit_test(test_self_resume),
        cmocka_unit_test(test_symlist_loop),
        cmocka_unit_test(test_looping_test),
        cmocka_unit_test(test_coroutine_across_tests),
    };

    setenv("LUAMILTER_LIBDIR", "lua", 1);
    return cmocka_run_group_tests(tests, kit_setup, kit_teardown);
}
