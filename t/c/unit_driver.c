/* unit_driver.c - the transaction driver (src/session/driver.c) with real
 * policies on the recording MTA: default macros and the caller's over
 * them, the stop rules of an MTA (a decisive verdict, all recipients
 * refused, SKIP in body, discard), skipped stages, header leading space,
 * body chunks, and the envelope taken from the headers; module stubs
 * put where a test's state finds them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "config.h"
#include "driver.h"
#include "log.h"
#include "message.h"
#include "module.h"
#include "record.h"
#include "script.h"
#include "verdict.h"

#define MAX_SEEN 64

/* what the observer saw */
struct seen {
    char steps[MAX_SEEN][256];  /* "stage:verdict" of each call */
    int nsteps;
    char skipped[MAX_SEEN][16];
    int nskipped;
    char eom[MAX_SEEN][256];    /* eom's actions, "op name value" */
    int neom;
    char result[32], reply[256];
    int no_rcpts, rcpts, notes;
};

static struct seen seen;

/* on_step - remember each call, and eom's actions */
static void
on_step(void *ud, const struct driver_step *s)
{
    size_t i;

    (void)ud;
    if (seen.nsteps < MAX_SEEN)
        snprintf(seen.steps[seen.nsteps++], sizeof seen.steps[0], "%s:%s",
                 s->name, verdict_word(s->status));
    for (i = 0; s->st == ST_EOM && i < s->count && seen.neom < MAX_SEEN; i++) {
        const struct record_action *a = record_get(s->rec, s->first + i);
        snprintf(seen.eom[seen.neom++], sizeof seen.eom[0], "%s %s %s", a->op,
                 a->name ? a->name : "-", a->value ? a->value : "-");
    }
}

/* on_skipped - remember a skipped stage */
static void
on_skipped(void *ud, enum stage st, const char *name)
{
    (void)ud;
    (void)st;
    if (seen.nskipped < MAX_SEEN)
        snprintf(seen.skipped[seen.nskipped++], sizeof seen.skipped[0], "%s",
                 name);
}

/* on_note - count the notes */
static void
on_note(void *ud, const char *text)
{
    (void)ud;
    (void)text;
    seen.notes++;
}

/* on_result - remember the result */
static void
on_result(void *ud, const struct driver_result *r)
{
    (void)ud;
    snprintf(seen.result, sizeof seen.result, "%s", r->result);
    snprintf(seen.reply, sizeof seen.reply, "%s", r->reply);
    seen.no_rcpts = r->no_rcpts;
    seen.rcpts = (int)r->nrcpts;
}

static const struct driver_observer observer = {
    on_note, NULL, on_step, NULL, on_skipped, on_result
};

/* load - compile a policy from source */
static struct script *
load(const char *src)
{
    struct script_options so;
    struct script *s;
    char path[64], err[4096];
    FILE *f;

    snprintf(path, sizeof path, "/tmp/lm-unit-driver-%ld.lua", (long)getpid());
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(src, f);
    fclose(f);
    memset(&so, 0, sizeof so);
    so.path = path;
    so.libdir = "lua";
    so.cfg = config_new();
    assert_non_null(so.cfg);
    so.cfg->callback_timeout = 5;
    s = script_load(&so, err, sizeof err);
    config_unref(so.cfg);
    unlink(path);
    if (s == NULL)
        fail_msg("policy did not load: %s", err);
    return s;
}

/* run - one transaction of text through policy src with env; the status */
static int
run(const char *src, const char *text, const struct driver_env *env)
{
    struct script *s = load(src);
    struct message m;
    struct driver d;
    char err[512];
    int st;

    memset(&seen, 0, sizeof seen);
    assert_int_equal(message_parse((const unsigned char *)text, strlen(text),
                                   &m, err, sizeof err), 0);
    assert_int_equal(driver_open(&d, s, MODULE_REPLAY, &observer, NULL, err,
                                 sizeof err), 0);
    script_unref(s);
    st = driver_message(&d, &m, env, err, sizeof err);
    driver_close(&d);
    message_free(&m);
    return st;
}

/* listed - whether want is among the n lines of list */
static int
listed(char (*list)[256], int n, const char *want)
{
    int i;

    for (i = 0; i < n; i++)
        if (strcmp(list[i], want) == 0)
            return 1;
    return 0;
}

/* has_step - whether the observer saw "stage:verdict" */
static int
has_step(const char *want)
{
    return listed(seen.steps, seen.nsteps, want);
}

/* has_eom - whether eom recorded this action ("op name value") */
static int
has_eom(const char *want)
{
    return listed(seen.eom, seen.neom, want);
}

static const char *MSG =
    "Return-Path: <bounce@example.com>\r\nFrom: a@example.com\r\n"
    "To: b@example.org, C <c@example.org>\r\nSubject:  two spaces\r\n\r\n"
    "body\r\n";

/* test_default_macros - Postfix-like defaults, the caller's over them */
static void
test_default_macros(void **state)
{
    static const struct driver_macro mine[] = {
        {-1, "j", "mx.example"}, {SMFIM_ENVRCPT, "{rcpt_addr}", "fixed"}
    };
    const char *src =
        "local P = {}\n"
        "function P:envrcpt(to) self.r = (self.r or '') .. self:getsymval('{rcpt_addr}') .. ' ' end\n"
        "function P:eom()\n"
        "  for _, m in ipairs({'j', '{daemon_name}', '_', '{client_addr}',\n"
        "      '{client_name}', 'i', '{mail_addr}'}) do\n"
        "    self:addheader('X-M', m .. '=' .. tostring(self:getsymval(m)))\n"
        "  end\n"
        "  self:addheader('X-R', self.r)\n"
        "end\n"
        "return P\n";
    struct driver_env env;

    (void)state;
    memset(&env, 0, sizeof env);
    assert_int_equal(run(src, MSG, &env), SMFIS_CONTINUE);
    assert_true(has_eom("addheader X-M j=localhost"));
    assert_true(has_eom("addheader X-M {daemon_name}=luamilter-replay"));
    assert_true(has_eom("addheader X-M _=localhost [127.0.0.1]"));
    assert_true(has_eom("addheader X-M {client_addr}=127.0.0.1"));
    assert_true(has_eom("addheader X-M {client_name}=localhost"));
    assert_true(has_eom("addheader X-M i=REPLAY00001"));
    assert_true(has_eom("addheader X-M {mail_addr}=bounce@example.com"));
    assert_true(has_eom("addheader X-R b@example.org c@example.org "));
    assert_int_equal(seen.notes, 3);    /* sender and two recipients */
    assert_int_equal(seen.rcpts, 2);
    env.macros = mine;
    env.nmacros = 2;
    env.client = "192.0.2.7";
    env.queue_id = "Q1";
    assert_int_equal(run(src, MSG, &env), SMFIS_CONTINUE);
    assert_true(has_eom("addheader X-M j=mx.example"));
    assert_true(has_eom("addheader X-M _=[192.0.2.7] [192.0.2.7]"));
    assert_true(has_eom("addheader X-M i=Q1"));
    assert_true(has_eom("addheader X-R fixed fixed "));
}

/* test_stop_rules - where an MTA stops */
static void
test_stop_rules(void **state)
{
    struct driver_env env;

    (void)state;
    memset(&env, 0, sizeof env);
    /* every recipient refused: rejected, abort, no data or eom */
    assert_int_equal(run("local P = {}\n"
                         "function P:envrcpt() self:setreply('550', '5.1.1', 'no') return 'reject' end\n"
                         "function P:data() end function P:eom() end\n"
                         "function P:abort() end\nreturn P\n", MSG, &env),
                     SMFIS_REJECT);
    assert_string_equal(seen.result, "rejected");
    assert_string_equal(seen.reply, "550 5.1.1 no");
    assert_true(has_step("abort:continue"));
    assert_false(has_step("data:continue"));
    assert_false(has_step("eom:continue"));
    /* one of two refused: delivered to the other */
    assert_int_equal(run("local P = {}\n"
                         "function P:envrcpt(to) if to:find('c@') then return 'tempfail' end end\n"
                         "function P:eom() end\nreturn P\n", MSG, &env),
                     SMFIS_CONTINUE);
    assert_string_equal(seen.result, "delivered");
    assert_int_equal(seen.rcpts, 1);
    /* a decisive verdict at envfrom: the message ends, abort */
    assert_int_equal(run("local P = {}\n"
                         "function P:envfrom() return 'discard' end\n"
                         "function P:envrcpt() end function P:abort() end\n"
                         "return P\n", MSG, &env), SMFIS_DISCARD);
    assert_string_equal(seen.result, "discarded");
    assert_true(has_step("abort:continue"));
    assert_false(has_step("envrcpt:continue"));
    /* accept at connect: the connection ends, nothing else runs */
    assert_int_equal(run("local P = {}\n"
                         "function P:connect() return 'accept' end\n"
                         "function P:envfrom() end\nreturn P\n", MSG, &env),
                     SMFIS_ACCEPT);
    assert_string_equal(seen.result, "delivered");
    assert_false(has_step("envfrom:continue"));
    /* no recipient at all */
    assert_int_equal(run("local P = {}\nfunction P:eom() end\nreturn P\n",
                         "Subject: x\r\n\r\nx\r\n", &env), SMFIS_REJECT);
    assert_int_equal(seen.no_rcpts, 1);
}

/* test_body_and_skip - chunks of 65535 bytes, SKIP goes on to eom */
static void
test_body_and_skip(void **state)
{
    size_t n = 3 * DRIVER_CHUNK, head;
    char *text = malloc(n + 64);
    struct driver_env env;
    int i, chunks = 0;

    (void)state;
    assert_non_null(text);
    head = (size_t)sprintf(text, "To: b@x\r\n\r\n");
    memset(text + head, 'x', n);
    text[head + n] = '\0';
    memset(&env, 0, sizeof env);
    assert_int_equal(run("local P = {}\n"
                         "function P:body(c) self.n = (self.n or 0) + #c if self.n > 70000 then return 'skip' end end\n"
                         "function P:eom() self:addheader('X-N', tostring(self.n)) end\n"
                         "return P\n", text, &env), SMFIS_CONTINUE);
    for (i = 0; i < seen.nsteps; i++)
        chunks += strncmp(seen.steps[i], "body:", 5) == 0;
    assert_int_equal(chunks, 2);
    assert_true(has_eom("addheader X-N 131070"));
    free(text);
}

/* test_negotiated_away - skipped stages, header leading space */
static void
test_negotiated_away(void **state)
{
    struct driver_env env;

    (void)state;
    memset(&env, 0, sizeof env);
    run("local P = {}\n"
        "function P:header(n, v) if n == 'Subject' then self.s = v end end\n"
        "function P:eom() self:addheader('X-S', '[' .. self.s .. ']') end\n"
        "return P\n", MSG, &env);
    assert_true(has_eom("addheader X-S [ two spaces]"));
    assert_int_equal(seen.nskipped, 6);     /* helo envfrom envrcpt data
                                             * eoh body (connect is asked
                                             * for, without a reply, for
                                             * the log) */
    run("local P = {header_leading_space = true}\n"
        "function P:header(n, v) if n == 'Subject' then self.s = v end end\n"
        "function P:eom() self:addheader('X-S', '[' .. self.s .. ']') end\n"
        "return P\n", MSG, &env);
    assert_true(has_eom("addheader X-S [  two spaces]"));
}

/* test_stubs - a test's field named after a stub module goes to the
 * registry under luamilter.stub.NAME; other modules' names do not */
static void
test_stubs(void **state)
{
    static struct module stubbed = {"milter.dns", NULL, 0, 0,
                                    MODULE_POLICY | MODULE_STUB, NULL, 0,
                                    NULL, NULL, NULL, NULL, NULL};
    static struct module plain = {"milter.file", NULL, 0, 0, MODULE_POLICY,
                                  NULL, 0, NULL, NULL, NULL, NULL,
                                  NULL};
    struct module *const list[] = {&stubbed, &plain, NULL};
    lua_State *L = luaL_newstate();

    (void)state;
    assert_non_null(L);
    assert_int_equal(luaL_dostring(L, "return {dns = {['a.example/A'] = "
                                      "{'192.0.2.1'}}, file = 'x.eml'}"),
                     LUA_OK);
    modules_set_stubs(L, -1, list);
    assert_int_equal(lua_getfield(L, LUA_REGISTRYINDEX, "luamilter.stub.dns"),
                     LUA_TTABLE);
    assert_int_equal(lua_getfield(L, -1, "a.example/A"), LUA_TTABLE);
    assert_int_equal(lua_getfield(L, LUA_REGISTRYINDEX, "luamilter.stub.file"),
                     LUA_TNIL);
    lua_settop(L, 0);
    assert_int_equal(luaL_dostring(L, "return {}"), LUA_OK);
    modules_set_stubs(L, -1, list);             /* none: cleared */
    assert_int_equal(lua_getfield(L, LUA_REGISTRYINDEX, "luamilter.stub.dns"),
                     LUA_TNIL);
    lua_close(L);
}

/* setup - quiet logs, the module registry */
static int
setup(void **state)
{
    char err[256];

    (void)state;
    log_setup(0, -1);
    return modules_init(err, sizeof err);
}

/* main - run the driver tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_macros),
        cmocka_unit_test(test_stop_rules),
        cmocka_unit_test(test_body_and_skip),
        cmocka_unit_test(test_negotiated_away),
        cmocka_unit_test(test_stubs),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
