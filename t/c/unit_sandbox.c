/* unit_sandbox.c - the standard library of a policy's state, built the way
 * the daemon builds it (script_load): require finds every library the
 * policy has, and the module search path comes from the config alone;
 * in a callback (through the session's entry points, on the fake MTA)
 * every refusal names the lua_allow word that lifts it, io's file
 * metatable is locked, and setmetatable, xpcall and coroutine.wrap keep
 * their meaning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "mta_fake.h"
#include "policy_kit.h"
#include "script.h"

static struct fake_mta fake;
static struct conn *conn;

/* load - compile and check a policy run with lua_path and lua_allow; NULL
 * and err if its top level fails */
static struct script *
load(const char *src, const char *lua_path, unsigned allow, char *err,
     size_t errlen)
{
    struct kit_limits lim = {2, 16u << 20, 0, NULL};

    lim.lua_allow = allow;
    lim.lua_path = lua_path;
    return kit_load(src, &lim, err, errlen);
}

/* runs - the policy's top level runs to its end */
static void
runs(const char *src, const char *lua_path, unsigned allow)
{
    char err[4096];
    struct script *s = load(src, lua_path, allow, err, sizeof err);

    if (s == NULL)
        fail_msg("policy failed: %s", err);
    script_unref(s);
}

/* fails_with - the policy's top level fails with text in its error */
static void
fails_with(const char *src, const char *lua_path, unsigned allow,
           const char *text)
{
    char err[4096];
    struct script *s = load(src, lua_path, allow, err, sizeof err);

    if (s != NULL) {
        script_unref(s);
        fail_msg("policy ran, expected an error with \"%s\"", text);
    }
    if (strstr(err, text) == NULL)
        fail_msg("error lacks \"%s\": %s", text, err);
}

/* test_require_standard_libraries - require "math" (table, os, coroutine,
 * utf8, string, package, _G) gives the library the global names, whether
 * the global or require comes first */
static void
test_require_standard_libraries(void **state)
{
    (void)state;
    runs("assert(require 'math' == math and math.pi)\n"
         "assert(require 'table' == table and table.concat)\n"
         "assert(require 'os' == os and os.time and rawget(os, 'execute') == nil)\n"
         "assert(require 'coroutine' == coroutine and coroutine.wrap)\n"
         "assert(require 'utf8' == utf8 and utf8.char)\n"
         "assert(require 'string' == string)\n"
         "assert(require 'package' == package and package.loaded.package == package)\n"
         "assert(require '_G' == _G)\n"
         "return {}\n", NULL, 0);
    runs("local t = table\n"
         "assert(require 'table' == t and package.loaded.table == t)\n"
         "return {}\n", NULL, 0);
    runs("assert(require 'io' == io and require 'debug' == debug)\n"
         "return {}\n", NULL, CONFIG_ALLOW_IO | CONFIG_ALLOW_DEBUG);
}

/* test_pure_lua_module - a module that starts like luasocket's socket.lua
 * (require("math"), ...) loads from lua_path */
static void
test_pure_lua_module(void **state)
{
    char lua_path[128];

    (void)state;
    kit_write("plainmod.lua",
               "local math = require('math')\n"
               "local string = require('string')\n"
               "local table = require('table')\n"
               "local os = require('os')\n"
               "local coroutine = require('coroutine')\n"
               "local utf8 = require('utf8')\n"
               "return { floor = math.floor, now = os.time }\n");
    snprintf(lua_path, sizeof lua_path, "%s/?.lua", kit_dir());
    runs("local m = require 'plainmod'\n"
         "assert(m.floor(2.5) == 2 and m.now() > 0)\n"
         "return {}\n", lua_path, 0);
}

/* test_denied_library_require - require of a library the policy was not
 * granted fails naming the lua_allow word */
static void
test_denied_library_require(void **state)
{
    (void)state;
    fails_with("require 'io'\nreturn {}\n", NULL, 0,
               "'io' is a standard library not available to policies; "
               "grant it with 'lua_allow = io'");
    fails_with("require 'debug'\nreturn {}\n", NULL, 0, "'lua_allow = debug'");
    fails_with("assert(package.loaded.io == nil)\nlocal x = io\nreturn {}\n",
               NULL, 0, "'lua_allow = io'");
}

/* test_search_path_frozen - package.path, cpath and searchers cannot be
 * changed, a rawset on the view does not reach require, and searchpath
 * probes only the configured path */
static void
test_search_path_frozen(void **state)
{
    char src[2048];

    (void)state;
    kit_write("hidden.lua", "return 'hidden module loaded'\n");
    fails_with("package.path = '/x/?.lua'\nreturn {}\n", NULL, 0,
               "'package.path' cannot be changed by a policy");
    fails_with("package.cpath = '/x/?.so'\nreturn {}\n", NULL,
               CONFIG_ALLOW_CMODULES,
               "'package.cpath' cannot be changed by a policy");
    fails_with("package.searchers[2] = nil\nreturn {}\n", NULL, 0,
               "'package.searchers[2]' cannot be changed by a policy");
    fails_with("table.insert(package.searchers, 1, function() end)\n"
               "return {}\n", NULL, 0, "cannot be changed by a policy");
    snprintf(src, sizeof src,
             "rawset(package, 'path', '%s/?.lua')\n"
             "local ok, err = pcall(require, 'hidden')\n"
             "assert(not ok and err:find('not found'), tostring(err))\n"
             "return {}\n", kit_dir());
    runs(src, NULL, 0);
    snprintf(src, sizeof src,
             "package.searchpath('hidden', '%s/?.lua')\nreturn {}\n",
             kit_dir());
    fails_with(src, NULL, 0, "package.searchpath: a policy may search only");
    fails_with("package.searchpath('x', package.path, '', '')\nreturn {}\n",
               NULL, 0, "with the default separators");
    runs("assert(package.searchpath('milter', package.path))\n"
         "assert(#package.searchers == 3 and getmetatable(package) == false)\n"
         "local n = 0\n"
         "for _ in pairs(package) do n = n + 1 end\n"
         "assert(n == 8, n)\n"
         "return {}\n", NULL, 0);
}

/* use_in_envfrom - a connection on a policy whose envfrom runs body, with
 * lua_allow = allow; the log captured from here on */
static void
use_in_envfrom(const char *body, unsigned allow)
{
    struct kit_limits lim = {2, 16u << 20, 0, NULL};
    char src[2048];

    lim.lua_allow = allow;
    snprintf(src, sizeof src,
             "local milter = require 'milter'\n"
             "local P = milter.Base:extend()\n"
             "function P:envfrom()\n%s\nend\n"
             "return P\n", body);
    fake_reset(&fake);
    conn = kit_use(src, &lim, fake_mta_of(&fake));
    kit_log_capture();
}

/* envfrom_status - envfrom's verdict, the connection closed */
static int
envfrom_status(void)
{
    int st = kit_envfrom(conn, "<a@x>");

    kit_close(conn);
    conn = NULL;
    log_set_hook(NULL, NULL, NULL, NULL);
    return st;
}

/* sandboxed - envfrom running body is refused (on_error: tempfail) with
 * an error naming 'lua_allow = word' */
static void
sandboxed(const char *body, const char *word)
{
    char want[64];

    use_in_envfrom(body, 0);
    if (envfrom_status() != SMFIS_TEMPFAIL)
        fail_msg("%s: not refused", body);
    snprintf(want, sizeof want, "'lua_allow = %s'", word);
    kit_log_has(want);
}

/* test_refusals_name_lua_allow - every sandbox refusal in a callback
 * names the lua_allow word that lifts it */
static void
test_refusals_name_lua_allow(void **state)
{
    (void)state;
    sandboxed("return io.open('/etc/passwd')", "io");
    sandboxed("os.execute('true')", "os");
    sandboxed("dofile('/dev/null')", "load");
    sandboxed("load(string.dump(function() end), 'x', 'b')", "load");
    sandboxed("debug.traceback()", "debug");
    sandboxed("require 'no_such_module_here'", "syspath");
    sandboxed("require 'no_such_module_here'", "cmodules");
    sandboxed("package.loadlib('x', 'y')", "cmodules");
    sandboxed("setmetatable({}, {__gc = function() end})", "gc");
}

/* test_file_metatable_locked - with lua_allow = io, io's file metatable
 * is hidden (no __gc through it without lua_allow = gc) */
static void
test_file_metatable_locked(void **state)
{
    (void)state;
    use_in_envfrom("assert(getmetatable(io.stdout) == false)\n"
                   "return milter.REJECT", CONFIG_ALLOW_IO);
    assert_int_equal(envfrom_status(), SMFIS_REJECT);
}

/* test_kept_meanings - setmetatable, xpcall and coroutine.wrap behave as
 * in stock Lua, with nothing logged */
static void
test_kept_meanings(void **state)
{
    (void)state;
    use_in_envfrom(
        "local t = setmetatable({}, {__index = function(_, k) return k .. '!' end})\n"
        "assert(t.x == 'x!')\n"
        "local ok, v = xpcall(function() error('e') end, function(m) return 'handled' end)\n"
        "assert(not ok and v == 'handled')\n"
        "local ok2, a, b = xpcall(function(p, q) return p + q, 7 end, print, 1, 2)\n"
        "assert(ok2 and a == 3 and b == 7)\n"
        "local g = coroutine.wrap(function(n) local m = coroutine.yield(n + 1) return m * 2 end)\n"
        "assert(g(1) == 2 and g(5) == 10)\n"
        "local okw, e = pcall(coroutine.wrap(function() error('boom') end))\n"
        "assert(not okw and e:find('boom'))\n"
        "local okd, ed = pcall(g)\n"
        "assert(not okd and ed:find('dead coroutine'))\n"
        "return milter.REJECT", 0);
    assert_int_equal(envfrom_status(), SMFIS_REJECT);
    kit_log_none_at(LOGL_WARN);
}

/* main - run the sandbox tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_require_standard_libraries),
        cmocka_unit_test(test_pure_lua_module),
        cmocka_unit_test(test_denied_library_require),
        cmocka_unit_test(test_search_path_frozen),
        cmocka_unit_test(test_refusals_name_lua_allow),
        cmocka_unit_test(test_file_metatable_locked),
        cmocka_unit_test(test_kept_meanings),
    };

    return cmocka_run_group_tests(tests, kit_setup, kit_teardown);
}
