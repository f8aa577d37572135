/* unit_sandbox.c - the standard library of a policy's state, built the way
 * the daemon builds it (script_load): require finds every library the
 * policy has, and the module search path comes from the config alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "script.h"

static char dir[64];            /* a scratch directory, with modules */

/* write_file - dir/name with this text; returns its path */
static const char *
write_file(const char *name, const char *text)
{
    static char path[128];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* load - compile and check a policy run with lua_path and lua_allow; NULL
 * and err if its top level fails */
static struct script *
load(const char *src, const char *lua_path, unsigned allow, char *err,
     size_t errlen)
{
    struct script_options so;
    struct script *s;

    memset(&so, 0, sizeof so);
    so.path = write_file("policy.lua", src);
    so.libdir = "lua";
    so.cfg = config_new();
    if (so.cfg == NULL)
        fail_msg("out of memory");
    if (lua_path != NULL) {
        so.cfg->lua_path = strdup(lua_path);
        if (so.cfg->lua_path == NULL)
            fail_msg("out of memory");
    }
    so.cfg->callback_timeout = 2;
    so.cfg->memory_limit = 16u << 20;
    so.cfg->lua_allow = allow;
    s = script_load(&so, err, errlen);
    config_unref(so.cfg);
    return s;
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
    write_file("plainmod.lua",
               "local math = require('math')\n"
               "local string = require('string')\n"
               "local table = require('table')\n"
               "local os = require('os')\n"
               "local coroutine = require('coroutine')\n"
               "local utf8 = require('utf8')\n"
               "return { floor = math.floor, now = os.time }\n");
    snprintf(lua_path, sizeof lua_path, "%s/?.lua", dir);
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
    write_file("hidden.lua", "return 'hidden module loaded'\n");
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
             "return {}\n", dir);
    runs(src, NULL, 0);
    snprintf(src, sizeof src,
             "package.searchpath('hidden', '%s/?.lua')\nreturn {}\n", dir);
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

/* setup - quiet logs, a scratch directory */
static int
setup(void **state)
{
    (void)state;
    log_setup(0, -1);
    snprintf(dir, sizeof dir, "/tmp/lm-unit-sandbox-%ld", (long)getpid());
    return mkdir(dir, 0700);
}

/* teardown - remove the scratch directory */
static int
teardown(void **state)
{
    static const char *const files[] = {
        "policy.lua", "plainmod.lua", "hidden.lua", NULL
    };
    char path[128];
    int i;

    (void)state;
    for (i = 0; files[i] != NULL; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    return rmdir(dir);
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
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
