/*
 * policytest.c - in-policy tests run at check and reload (policytest.h).
 */
#include "policytest.h"
#include "budget.h"
#include "conn.h"
#include "engine.h"
#include "lcore.h"
#include "script.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_run {
    struct conn *c;
    struct script *s;
    char *report;
    int run, failed;
};

/* script_dir - the directory part of the script path, pushed */
static void
push_script_dir(lua_State *L, const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        lua_pushliteral(L, ".");
    else
        lua_pushlstring(L, path, (size_t)(slash - path));
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
    luaL_requiref(L, "milter.core", luaopen_milter_core, 0);
    lua_pop(L, 1);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "milter.test");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "run_tests");
    lua_pushvalue(L, -3);                       /* class */
    push_script_dir(L, tr->s->path);
    lua_call(L, 2, 2);                          /* results failed */
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
policytest_run(lua_State *L, struct conn *c, struct script *s, char *err,
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
