/* unit_libcache.c - luamilter's own Lua modules are compiled once per
 * script generation (src/lua/libcache.c): a state made after the file
 * changed still gets the generation's version; a module earlier in
 * lua_path still wins; errors keep the library's file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "lconn.h"
#include "log.h"
#include "module.h"
#include "script.h"

static char top[256];              /* a temporary directory */

/* put - write text to top/rel */
static void
put(const char *rel, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", top, rel);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* copy_milter_lua - the real lua/milter.lua into top/lib */
static void
copy_milter_lua(void)
{
    char cmd[600];

    snprintf(cmd, sizeof cmd, "cp lua/milter.lua '%s/lib/milter.lua'", top);
    assert_int_equal(system(cmd), 0);
}

/* compile - a generation of top/policy.lua on the library top/lib, with
 * lua_path (may be NULL) */
static struct script *
compile(const char *lua_path)
{
    struct script_options so;
    struct script *s;
    char path[512], lib[512], err[1024];

    snprintf(path, sizeof path, "%s/policy.lua", top);
    snprintf(lib, sizeof lib, "%s/lib", top);
    memset(&so, 0, sizeof so);
    so.path = path;
    so.libdir = lib;
    so.cfg = config_new();
    assert_non_null(so.cfg);
    if (lua_path != NULL)
        assert_int_equal(config_set(so.cfg, "lua_path", lua_path, err,
                                    sizeof err), 0);
    s = script_compile(&so, err, sizeof err);
    config_unref(so.cfg);
    if (s == NULL)
        fail_msg("compile: %s", err);
    return s;
}

/* value_of - open a state of s; the class's field `value` (a string), or
 * the error of the state's setup when it fails, in out */
static int
value_of(struct script *s, char *out, size_t len)
{
    struct lconn c;
    int rc;

    memset(&c, 0, sizeof c);
    c.script = s;
    c.mode = MODULE_REPLAY;
    rc = engine_open(&c, out, len);
    if (rc < 0)
        return -1;
    lua_rawgeti(c.L, LUA_REGISTRYINDEX, c.class_ref);
    lua_getfield(c.L, -1, "value");
    snprintf(out, len, "%s", lua_tostring(c.L, -1) ? lua_tostring(c.L, -1)
                                                   : "(nil)");
    lua_pop(c.L, 2);
    engine_close(&c);
    return 0;
}

static const char *POLICY =
    "local x = require 'milter.x'\n"
    "return { value = x.v .. ' ' .. select(2, ...) }\n";

/* setup_dirs - top/lib/milter, top/admin/milter and the files */
static int
setup_dirs(void **state)
{
    char cmd[600];

    (void)state;
    log_setup(0, -1);
    snprintf(top, sizeof top, "/tmp/lm-unit-libcache-%ld", (long)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/lib/milter' "
             "'%s/admin/milter'", top, top, top);
    if (system(cmd) != 0)
        return -1;
    copy_milter_lua();
    put("policy.lua", POLICY);
    return 0;
}

/* teardown_dirs - remove top */
static int
teardown_dirs(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    return system(cmd) == 0 ? 0 : -1;
}

/* test_compiled_once - the generation's version, whatever the file holds
 * later; the module gets its name and path as Lua's searcher gives them */
static void
test_compiled_once(void **state)
{
    struct script *s;
    char got[1024], want[700];

    (void)state;
    put("policy.lua", "local x = require 'milter.x'\n"
        "return { value = x.v .. ' ' .. x.name .. ' ' .. x.path }\n");
    put("lib/milter/x.lua", "local name, path = ...\n"
        "return { v = 'v1', name = name, path = path }\n");
    s = compile(NULL);
    assert_true(s->nmods >= 1);
    put("lib/milter/x.lua", "return { v = 'v2', name = '', path = '' }\n");
    assert_int_equal(value_of(s, got, sizeof got), 0);
    snprintf(want, sizeof want, "v1 milter.x %s/lib/milter/x.lua", top);
    assert_string_equal(got, want);
    script_unref(s);
    s = compile(NULL);                  /* the next generation: v2 */
    assert_int_equal(value_of(s, got, sizeof got), 0);
    assert_string_equal(got, "v2  ");
    script_unref(s);
    put("policy.lua", POLICY);
}

/* test_lua_path_first - a milter/x.lua earlier in lua_path still wins */
static void
test_lua_path_first(void **state)
{
    struct script *s;
    char got[1024], lua_path[600];

    (void)state;
    put("lib/milter/x.lua", "return { v = 'library' }\n");
    put("admin/milter/x.lua", "return { v = 'admin' }\n");
    snprintf(lua_path, sizeof lua_path, "%s/admin/?.lua", top);
    put("policy.lua", "return { value = require('milter.x').v }\n");
    s = compile(lua_path);
    assert_int_equal(value_of(s, got, sizeof got), 0);
    assert_string_equal(got, "admin");
    script_unref(s);
    put("policy.lua", POLICY);
}

/* test_errors_keep_lines - an error in a compiled module names its file
 * and line, as when Lua compiled it itself */
static void
test_errors_keep_lines(void **state)
{
    struct script *s;
    char got[4096], want[600];

    (void)state;
    put("lib/milter/x.lua", "local t = {}\nerror('boom')\nreturn t\n");
    put("policy.lua", "return { value = require('milter.x') }\n");
    s = compile(NULL);
    assert_int_equal(value_of(s, got, sizeof got), -1);
    snprintf(want, sizeof want, "%s/lib/milter/x.lua:2: boom", top);
    if (strstr(got, want) == NULL)
        fail_msg("'%s' lacks '%s'", got, want);
    script_unref(s);
    put("policy.lua", POLICY);
}

/* main - run the library cache tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compiled_once),
        cmocka_unit_test(test_lua_path_first),
        cmocka_unit_test(test_errors_keep_lines),
    };

    return cmocka_run_group_tests(tests, setup_dirs, teardown_dirs);
}
