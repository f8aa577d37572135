/* unit_engine.c - the Lua binding driven through the session's entry
 * points (the ones the libmilter adapter and the driver call) with a fake
 * MTA backend: arguments, verdicts, actions, misuse, failures, negotiation
 * from the class, and script loading errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "dispatch.h"
#include "event.h"
#include "log.h"
#include "memtotal.h"
#include "mta_fake.h"
#include "script.h"

/* S - a string literal as the char * libmilter callbacks take */
#define S(x) ((char *)(x))

static struct fake_mta fake;
static struct conn *conn;

/* write_policy - a policy file with this source; returns its path */
static const char *
write_policy(const char *src)
{
    static char path[64];
    FILE *f;

    snprintf(path, sizeof path, "/tmp/lm-unit-policy-%ld.lua", (long)getpid());
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(src, f);
    fclose(f);
    return path;
}

/* load - compile a policy; NULL and err on failure */
static struct script *
load(const char *src, char *err, size_t errlen)
{
    struct script_options so;

    memset(&so, 0, sizeof so);
    so.path = write_policy(src);
    so.libdir = "lua";
    so.cfg = config_new();
    if (so.cfg == NULL)
        abort();
    so.cfg->callback_timeout = 2;
    so.cfg->memory_limit = 16u << 20;
    {
        struct script *s = script_load(&so, err, errlen);
        config_unref(so.cfg);
        unlink(so.path);
        return s;
    }
}

/* use - load and publish a policy, reset the fake MTA, negotiate */
static void
use(const char *src, unsigned long *proto)
{
    char err[4096];
    struct script *s = load(src, err, sizeof err);
    const unsigned long offer[4] = {0x1ff, 0x1fffff, 0, 0};
    unsigned long p0, p1;
    struct mta m;

    if (s == NULL)
        fail_msg("policy did not load: %s", err);
    script_publish(s);
    fake_reset(&fake);
    m = fake_mta_of(&fake);
    conn = conn_new(&m);
    assert_non_null(conn);
    assert_int_equal(session_negotiate(conn, offer, &p0, &p1),
                     SMFIS_CONTINUE);
    if (proto != NULL)
        *proto = p1;
}

/* finish - close the connection */
static void
finish(void)
{
    session_close(conn);
    conn = NULL;
}

/* stage - run stage st with ev on the connection; its status */
static int
stage(enum stage st, const struct event *ev)
{
    return session_stage(conn, st, ev);
}

/* envfrom - envfrom(argv...) */
static int
envfrom(char **argv)
{
    struct event ev;

    event_argv(&ev, argv);
    return stage(ST_ENVFROM, &ev);
}

/* envrcpt - envrcpt(argv...) */
static int
envrcpt(char **argv)
{
    struct event ev;

    event_argv(&ev, argv);
    return stage(ST_ENVRCPT, &ev);
}

/* connect_sa - connect(host, family, addr) from a socket address */
static int
connect_sa(const char *host, const struct sockaddr *sa)
{
    struct event ev;

    event_connect_sa(&ev, host, sa);
    return stage(ST_CONNECT, &ev);
}

/* header - header(name, value) */
static int
header(const char *name, const char *value)
{
    struct event ev;

    event_header(&ev, name, value);
    return stage(ST_HEADER, &ev);
}

/* bare - a stage without arguments (eom, ...) */
static int
bare(enum stage st)
{
    struct event ev;

    event_none(&ev);
    return stage(st, &ev);
}

/* argv1 - a one-element argv */
static char **
argv1(const char *a)
{
    static char *v[2];

    v[0] = (char *)a;
    v[1] = NULL;
    return v;
}

static const char *ACTIONS_POLICY =
    "local milter = require 'milter'\n"
    "local P = milter.Base:extend()\n"
    "function P:connect(host, family, addr)\n"
    "  self.c = host .. '|' .. family .. '|' .. addr[1] .. '|' .. addr.port\n"
    "end\n"
    "function P:envfrom(from, ...) self.f = from .. '|' .. table.concat({...}, ',') end\n"
    "function P:envrcpt(to)\n"
    "  if to == '<bad@x>' then self:setreply('550', '5.7.1', 'no such user') return milter.REJECT end\n"
    "  if to == '<misuse@x>' then self:addheader('X-Too-Early', 'y') end\n"
    "end\n"
    "function P:body(chunk) self.b = #chunk end\n"
    "function P:eom()\n"
    "  self:addheader('X-Connect', self.c)\n"
    "  self:addheader('X-From', self.f)\n"
    "  self:addheader('X-Top', 'first', 0)\n"
    "  self:chgheader('Subject', 1, 'new')\n"
    "  self:chgheader('X-Drop', 1, nil)\n"
    "  self:addrcpt('<added@x>', 'NOTIFY=NEVER')\n"
    "  self:delrcpt('<gone@x>')\n"
    "  self:replacebody('a\\0b')\n"
    "  self:quarantine('held')\n"
    "  self:chgfrom('<new@x>')\n"
    "  self:progress()\n"
    "  self:setreply('550', '5.7.1', 'line one', 'line two')\n"
    "  local ok, err = pcall(self.setreply, self, '200', nil, 'x')\n"
    "  self:addheader('X-Misuse', tostring(ok) .. ' ' .. err)\n"
    "  return milter.REJECT\n"
    "end\n"
    "return P\n";

/* test_actions - arguments in, every action out, multi-line reply */
static void
test_actions(void **state)
{
    struct sockaddr_in sin;
    const struct fake_call *c;

    (void)state;
    use(ACTIONS_POLICY, NULL);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(2525);
    inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
    assert_int_equal(connect_sa("client.example", (struct sockaddr *)&sin),
                     SMFIS_CONTINUE);
    {
        char *v[] = {S("<a@x>"), S("SIZE=10"), S("BODY=8BITMIME"), NULL};
        assert_int_equal(envfrom(v), SMFIS_CONTINUE);
    }
    assert_int_equal(envrcpt(argv1("<bad@x>")), SMFIS_REJECT);
    c = fake_find(&fake, "setreply");
    assert_non_null(c);
    assert_string_equal(c->a, "550");
    assert_string_equal(c->b, "5.7.1 no such user");
    assert_int_equal(envrcpt(argv1("<ok@x>")), SMFIS_CONTINUE);
    {
        struct event ev;
        event_bytes(&ev, "x\0y", 3);
        assert_int_equal(stage(ST_BODY, &ev), SMFIS_CONTINUE);
    }
    finish();
}

/* test_eom_actions - the eom actions reach the MTA as libmilter calls */
static void
test_eom_actions(void **state)
{
    struct sockaddr_in sin;
    const struct fake_call *c;

    (void)state;
    use(ACTIONS_POLICY, NULL);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(2525);
    inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
    connect_sa("client.example", (struct sockaddr *)&sin);
    {
        char *v[] = {S("<a@x>"), S("SIZE=10"), NULL};
        envfrom(v);
    }
    fake_reset(&fake);
    assert_int_equal(bare(ST_EOM), SMFIS_REJECT);
    c = fake_find(&fake, "addheader");
    assert_non_null(c);
    assert_string_equal(c->a, "X-Misuse");
    assert_non_null(strstr(c->b, "false"));
    assert_non_null(strstr(c->b, "not a 4xx or 5xx"));
    assert_string_equal(fake.calls[0].a, "X-Connect");
    assert_string_equal(fake.calls[0].b, "client.example|inet|192.0.2.1|2525");
    assert_string_equal(fake.calls[1].b, "<a@x>|SIZE=10");
    c = fake_find(&fake, "insheader");
    assert_non_null(c);
    assert_int_equal(c->idx, 0);
    assert_string_equal(c->a, "X-Top");
    assert_string_equal(fake.calls[3].op, "chgheader");
    assert_string_equal(fake.calls[3].b, "new");
    assert_string_equal(fake.calls[4].op, "chgheader");
    assert_string_equal(fake.calls[4].b, "(null)");      /* deleted */
    c = fake_find(&fake, "addrcpt_par");
    assert_non_null(c);
    assert_string_equal(c->b, "NOTIFY=NEVER");
    assert_non_null(fake_find(&fake, "delrcpt"));
    c = fake_find(&fake, "replacebody");
    assert_non_null(c);
    assert_int_equal(c->len, 3);
    assert_int_equal(c->has_nul, 1);
    assert_non_null(fake_find(&fake, "quarantine"));
    assert_non_null(fake_find(&fake, "chgfrom"));
    assert_non_null(fake_find(&fake, "progress"));
    c = fake_find(&fake, "setmlreply");
    assert_non_null(c);
    assert_int_equal(c->idx, 2);
    finish();
}

/* test_misuse_and_errors - misuse raises, failure gives on_error, the
 * connection keeps working */
static void
test_misuse_and_errors(void **state)
{
    const struct fake_call *c;

    (void)state;
    use(ACTIONS_POLICY, NULL);
    envfrom(argv1("<a@x>"));
    /* addheader in envrcpt: a Lua error -> 451 4.3.0 */
    assert_int_equal(envrcpt(argv1("<misuse@x>")), SMFIS_TEMPFAIL);
    c = fake_find(&fake, "setreply");
    assert_non_null(c);
    assert_string_equal(c->a, "451");
    assert_non_null(strstr(c->b, "4.3.0"));
    /* the same connection goes on */
    assert_int_equal(envrcpt(argv1("<ok@x>")), SMFIS_CONTINUE);
    finish();
}

/* test_reply_percent - reply text is literal: a lone '%' goes to
 * libmilter doubled, as sendmail and Postfix expect */
static void
test_reply_percent(void **state)
{
    const struct fake_call *c;

    (void)state;
    use("local P = {}\n"
        "function P:envrcpt(to)\n"
        "  self:setreply('550', '5.1.1', 'user%relay@host: 100% unknown')\n"
        "  return 'reject'\n"
        "end\n"
        "return P\n", NULL);
    assert_int_equal(envrcpt(argv1("<user%relay@host>")), SMFIS_REJECT);
    c = fake_find(&fake, "setreply");
    assert_non_null(c);
    assert_string_equal(c->a, "550");
    assert_string_equal(c->b, "5.1.1 user%%relay@host: 100%% unknown");
    finish();
}

/* test_bad_returns - an invalid return value is an error; names work */
static void
test_bad_returns(void **state)
{
    (void)state;
    use("local P = {}\n"
        "function P:envfrom(f)\n"
        "  if f == '<num@x>' then return 42 end\n"
        "  if f == '<tbl@x>' then return {} end\n"
        "  if f == '<name@x>' then return 'discard' end\n"
        "  if f == '<err@x>' then error('boom') end\n"
        "end\n"
        "function P:eom() end\n"
        "return P\n", NULL);
    assert_int_equal(envfrom(argv1("<num@x>")), SMFIS_TEMPFAIL);
    assert_int_equal(envfrom(argv1("<tbl@x>")), SMFIS_TEMPFAIL);
    assert_int_equal(envfrom(argv1("<name@x>")), SMFIS_DISCARD);
    assert_int_equal(envfrom(argv1("<err@x>")), SMFIS_TEMPFAIL);
    assert_int_equal(envfrom(argv1("<fine@x>")), SMFIS_CONTINUE);
    finish();
}

/* test_noreply_failure - an error at a noreply stage is answered at eom */
static void
test_noreply_failure(void **state)
{
    unsigned long proto;

    (void)state;
    use("local P = {}\n"
        "P.noreply = {'header'}\n"
        "function P:header(n, v) if n == 'X-Bad' then error('bad header') end end\n"
        "function P:eom() end\n"
        "return P\n", &proto);
    assert_true(proto & SMFIP_NR_HDR);
    assert_int_equal(header("X-Bad", "1"), SMFIS_NOREPLY);
    assert_int_equal(bare(ST_EOM), SMFIS_TEMPFAIL);
    /* the next message is clean */
    assert_int_equal(header("X-Good", "1"), SMFIS_NOREPLY);
    assert_int_equal(bare(ST_EOM), SMFIS_CONTINUE);
    finish();
}

/* test_negotiation_shape - undefined callbacks negotiated away, noreply
 * inherited only for callbacks not overridden */
static void
test_negotiation_shape(void **state)
{
    unsigned long proto;

    (void)state;
    use("local milter = require 'milter'\n"
        "local P = milter.Milter:extend()\n"
        "function P:envrcpt(to) return milter.REJECT end\n"
        "return P\n", &proto);
    assert_true(proto & SMFIP_NR_HDR);      /* inherited logging header */
    assert_false(proto & SMFIP_NR_RCPT);    /* overridden: replies again */
    assert_false(proto & SMFIP_NOBODY);     /* Milter defines body */
    finish();
    use("local P = {}\nfunction P:eom() end\nreturn P\n", &proto);
    assert_true(proto & SMFIP_NOBODY);
    assert_true(proto & SMFIP_NOHDRS);
    assert_false(proto & SMFIP_NOCONNECT);  /* sent for the log's client, */
    assert_true(proto & SMFIP_NR_CONN);     /* without a reply */
    assert_true(proto & SMFIP_NORCPT);
    finish();
}

/* test_load_errors - syntax errors and bad classes name file and line */
static void
test_load_errors(void **state)
{
    char err[4096];

    (void)state;
    assert_null(load("local P = {\nreturn P\n", err, sizeof err));
    assert_non_null(strstr(err, ".lua:2:"));
    assert_null(load("return 42\n", err, sizeof err));
    assert_non_null(strstr(err, "must return the policy class"));
    assert_null(load("return { eom = 'not a function' }\n", err, sizeof err));
    assert_non_null(strstr(err, "'eom' must be a function"));
    assert_null(load("return { noreply = {'eom'}, eom = function() end }\n",
                     err, sizeof err));
    assert_non_null(strstr(err, "noreply"));
    assert_null(load("error('top level failure')\n", err, sizeof err));
    assert_non_null(strstr(err, ".lua:1: top level failure"));
}

/* setup - quiet logs for the whole group */
static int
setup(void **state)
{
    (void)state;
    log_setup(0, -1);
    return 0;
}

static const char *HOLD_POLICY =
    "local milter = require 'milter'\n"
    "local P = milter.Base:extend()\n"
    "function P:envfrom()\n"
    "  self.held = {}\n"
    "  for i = 1, 48 do self.held[i] = string.rep('x', 65528) .. string.format('%08d', i) end\n"
    "  collectgarbage()\n"
    "end\n"
    "return P\n";

/* test_memory_total - two connections holding 3 MiB each pass a 4 MiB
 * memory_total: the second one's envfrom fails, not the first's; closing
 * gives every reserved byte back */
static void
test_memory_total(void **state)
{
    static struct fake_mta fake2;
    const unsigned long offer[4] = {0x1ff, 0x1fffff, 0, 0};
    unsigned long p0, p1;
    const struct fake_call *reply;
    struct conn *conn2;
    struct event ev;
    struct mta m;

    (void)state;
    memtotal_set_limit(4u << 20);
    use(HOLD_POLICY, NULL);
    assert_true(memtotal_reserved() > 0);     /* the first state counts */
    assert_int_equal(envfrom(argv1("<a@x>")), SMFIS_CONTINUE);
    assert_true(memtotal_reserved() >= 3u << 20);
    fake_reset(&fake2);
    m = fake_mta_of(&fake2);
    conn2 = conn_new(&m);
    assert_non_null(conn2);
    assert_int_equal(session_negotiate(conn2, offer, &p0, &p1),
                     SMFIS_CONTINUE);
    event_argv(&ev, argv1("<a@x>"));
    assert_int_equal(session_stage(conn2, ST_ENVFROM, &ev), SMFIS_TEMPFAIL);
    reply = fake_find(&fake2, "setreply");
    assert_non_null(reply);
    assert_string_equal(reply->a, "451");
    assert_true(memtotal_reserved() <= 4u << 20);
    session_close(conn2);
    finish();
    assert_int_equal(memtotal_reserved(), 0);
    memtotal_set_limit(0);
}

/* main - run the engine tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_eom_actions),
        cmocka_unit_test(test_misuse_and_errors),
        cmocka_unit_test(test_reply_percent),
        cmocka_unit_test(test_bad_returns),
        cmocka_unit_test(test_noreply_failure),
        cmocka_unit_test(test_negotiation_shape),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_memory_total),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
