/*
 * policytest.c - in-policy tests run at check and reload (policytest.h).
 */
#include "policytest.h"
#include "budget.h"
#include "lconn.h"
#include "engine.h"
#include "fileio.h"
#include "lcore.h"
#include "paths.h"
#include "script.h"
#include "testvec.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_run {
    struct lconn *c;
    struct script *s;
    char *report;
    int run, failed;
};

/* push_script_dir - the directory part of the script path, pushed */
static void
push_script_dir(lua_State *L, const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        lua_pushliteral(L, ".");
    else if (slash == path)
        lua_pushliteral(L, "/");
    else
        lua_pushlstring(L, path, (size_t)(slash - path));
}

/* read_test_file - core.read_file for in-policy tests: only files inside
 * the script's directory (upvalue 1), see testvec.h */
static int
read_test_file(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);

    luaL_argcheck(L, strlen(path) == len, 1, "a path without NUL bytes");
    return testvec_push_in(L, lua_tostring(L, lua_upvalueindex(1)), path);
}

/* push_test_module - milter.test, loaded from the library directory and
 * given a milter.core whose read_file stays in the script's directory;
 * neither is put in package.loaded, so the policy cannot reach them */
static void
push_test_module(lua_State *L, const char *script_path)
{
    char path[4096], err[4352];
    size_t len;
    char *src;
    int rc;

    snprintf(path, sizeof path, "%s/milter/test.lua", paths_libdir());
    src = fileio_read(path, 1u << 20, &len, err, sizeof err);
    if (src == NULL) {
        lua_pushstring(L, err);
        lua_error(L);
    }
    lua_pushfstring(L, "@%s", path);
    rc = luaL_loadbufferx(L, src, len, lua_tostring(L, -1), "t");
    free(src);
    if (rc != LUA_OK)
        lua_error(L);
    lua_remove(L, -2);                          /* the chunk name */
    luaopen_milter_core(L);
    push_script_dir(L, script_path);
    lua_pushcclosure(L, read_test_file, 1);
    lua_setfield(L, -2, "read_file");
    lua_call(L, 1, 1);                          /* chunk(core) */
}

/* append_line - add "test NAME: ok|FAILED: why" to the report */
static int
append_line(struct test_run *tr, const char *name, int ok, const char *why)
{
    size_t old = tr->report != NULL ? strlen(tr->report) : 0;
    size_t n = strlen(name ? name : "?") + strlen(why ? why : "?") + 32;
    char *r = realloc(tr->report, old + n);

    if (r == NULL)
        return -1;
    tr->report = r;
    snprintf(r + old, n, "test %s: %s%s%s\n", name ? name : "?",
             ok ? "ok" : "FAILED", ok ? "" : ": ", ok ? "" : (why ? why : "?"));
    return 0;
}

/* run_tests - require milter.test and run class.tests (protected) */
static int
run_tests(lua_State *L)
{
    struct test_run *tr = lua_touserdata(L, 1);
    lua_Integer i, n;
    int res;

    lua_rawgeti(L, LUA_REGISTRYINDEX, tr->c->class_ref);
    lua_getfield(L, -1, "tests");
    if (lua_isnil(L, -1))
        return 0;
    lua_pop(L, 1);
    push_test_module(L, tr->s->path);
    lua_getfield(L, -1, "run_tests");
    lua_pushvalue(L, -3);                       /* class */
    lua_call(L, 1, 2);                          /* results failed; test
                                                 * files are read by the
                                                 * confined read_file */
    tr->failed = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    res = lua_gettop(L);
    n = (lua_Integer)lua_rawlen(L, res);
    tr->run = (int)n;
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, res, i);
        lua_getfield(L, -1, "name");
        lua_getfield(L, -2, "ok");
        lua_getfield(L, -3, "why");
        if (append_line(tr, lua_tostring(L, -3), lua_toboolean(L, -2),
                        lua_tostring(L, -1)) < 0)
            return luaL_error(L, "out of memory");
        lua_settop(L, res);
    }
    return 0;
}

/* policytest_run - run the class's tests in the checked state L */
int
policytest_run(lua_State *L, struct lconn *c, struct script *s, char *err,
               size_t errlen)
{
    struct test_run tr;
    struct budget_saved sv;
    char msg[4096];
    int rc;

    memset(&tr, 0, sizeof tr);
    tr.c = c;
    tr.s = s;
    budget_start(c, L, ST_NONE, &sv);           /* each test stage nests */
    rc = engine_pcall(L, run_tests, &tr, msg, sizeof msg);
    if (budget_stop(c, L, &sv, rc, msg, sizeof msg) != LUA_OK) {
        snprintf(err, errlen, "%s: running the policy's tests: %s", s->path,
                 msg);
        free(tr.report);
        return -1;
    }
    free(s->test_report);
    s->test_report = tr.report;
    s->tests_run = tr.run;
    s->tests_failed = tr.failed;
    if (tr.failed > 0) {
        snprintf(err, errlen, "%s: %d of %d" POLICYTEST_FAILED ":\n%s",
                 s->path, tr.failed, tr.run, tr.report ? tr.report : "");
        return -1;
    }
    return 0;
}
