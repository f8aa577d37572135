/*
 * policytest.c - in-policy tests run at check and reload (policytest.h).
 *
 * The checked state of a new generation lists the tests (class.tests, or
 * what the function class.tests returns) and their names.  Each test then
 * runs on a connection of its own, made from that generation in test
 * mode, with the recording MTA, through the transaction driver: its
 * vector is read in that connection's state (its module stubs set in its
 * registry first), the driver runs it, and the result is judged by
 * milter.test's check in a plain state of luamilter's own that holds only
 * copied data (the result, the test's expect, the errors), which the
 * policy's code can never reach.
 */
#include "policytest.h"
#include "conn.h"
#include "driver.h"
#include "engine.h"
#include "fileio.h"
#include "lenv.h"
#include "log.h"
#include "lresult.h"
#include "lvector.h"
#include "module.h"
#include "paths.h"
#include "script.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the whole run */
struct test_run {
    struct lconn *check;        /* the checked state, which lists them */
    struct script *s;
    char *dir;                  /* the script's directory: test files */
    char **names;
    size_t n;
    lua_State *judge;           /* where milter.test's check runs */
    char *report;
    int failed;
};

/* one test in its connection's state */
struct test_load {
    struct test_run *tr;
    size_t i;                   /* 1-based */
    struct lanchor anchor;
    struct lvector v;
    int expect;                 /* judge's stack index of the copy */
    struct fixed_reply reply;   /* its on_error_reply, while it runs */
    char err[1024];
};

/* script_dir - the directory part of the script path (malloc) */
static char *
script_dir(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* push_tests - class.tests (the class at cls), or what the function
 * class.tests returns; nil when there are none (raises when it is
 * neither a list nor a function returning one) */
static void
push_tests(lua_State *L, int cls)
{
    lua_getfield(L, cls, "tests");
    if (lua_isfunction(L, -1)) {
        lua_pushvalue(L, cls);
        lua_call(L, 1, 1);
    }
    if (!lua_isnil(L, -1) && !lua_istable(L, -1))
        luaL_error(L, "tests must be a list of tables, or a function "
                   "returning one; got %s", luaL_typename(L, -1));
}

/* list_tests - (protected, in the checked state) how many tests there
 * are and their names */
static int
list_tests(lua_State *L)
{
    struct test_run *tr = lua_touserdata(L, 1);
    size_t i;

    lua_rawgeti(L, LUA_REGISTRYINDEX, tr->check->class_ref);
    push_tests(L, lua_gettop(L));
    if (lua_isnil(L, -1))
        return 0;
    tr->n = lua_rawlen(L, -1);
    tr->names = calloc(tr->n + 1, sizeof *tr->names);
    if (tr->names == NULL)
        return luaL_error(L, "out of memory");
    for (i = 0; i < tr->n; i++) {
        const char *name = NULL;
        if (lua_rawgeti(L, -1, (lua_Integer)i + 1) == LUA_TTABLE) {
            lua_pushliteral(L, "name");
            if (lua_rawget(L, -2) == LUA_TSTRING)
                name = lua_tostring(L, -1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        tr->names[i] = name != NULL ? strdup(name) : NULL;
        if (tr->names[i] == NULL) {
            char buf[32];
            snprintf(buf, sizeof buf, "test %zu", i + 1);
            tr->names[i] = strdup(buf);
        }
        if (tr->names[i] == NULL)
            return luaL_error(L, "out of memory");
    }
    return 0;
}

/* copy_expect - (protected, in the judge) push the copy of the test's
 * expect, the table on top of the test state */
static int
copy_expect(lua_State *J)
{
    struct test_load *tl = lua_touserdata(J, 1);
    lua_State *L = tl->anchor.L;

    lenv_copy(L, -1, J, 0);
    if (!lua_istable(J, -1)) {
        lua_pop(J, 1);
        lua_newtable(J);
    }
    return 1;
}

/* load_test - (protected, in the test's own state) its vector, its stubs
 * set, its expect copied to the judge */
static int
load_test(lua_State *L)
{
    struct test_load *tl = lua_touserdata(L, 1);
    struct lconn *c = lstate_owner(L);
    int tc;

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->class_ref);
    push_tests(L, lua_gettop(L));
    if (!lua_istable(L, -1) ||
        lua_rawgeti(L, -1, (lua_Integer)tl->i) != LUA_TTABLE)
        return luaL_error(L, "the test is not a table");
    tc = lua_gettop(L);
    modules_set_stubs(L, tc, module_registry);
    lanchor_open(&tl->anchor, L);
    if (lvector_read(&tl->anchor, tc, tl->tr->dir, 1, &tl->v, tl->err,
                     sizeof tl->err) < 0)
        return luaL_error(L, "%s", tl->err);
    lua_pushliteral(L, "expect");
    lua_rawget(L, tc);
    lua_pushcfunction(tl->tr->judge, copy_expect);
    lua_pushlightuserdata(tl->tr->judge, tl);
    if (lua_pcall(tl->tr->judge, 1, 1, 0) != LUA_OK)
        return luaL_error(L, "out of memory copying the test's expect");
    tl->expect = lua_gettop(tl->tr->judge);
    return 0;
}

/* without_traceback - cut an error message before its traceback */
static void
without_traceback(char *msg)
{
    char *tb = strstr(msg, "\nstack traceback:");

    if (tb != NULL)
        *tb = '\0';
}

/* judge - milter.test's check(result, expect, result.errors) in the
 * judge; 1 if the test passed, else 0 with why */
static int
judge(struct test_run *tr, int result, int expect, char *why, size_t len)
{
    lua_State *J = tr->judge;
    int ok;

    lua_pushvalue(J, 1);                        /* check */
    lua_pushvalue(J, result);
    lua_pushvalue(J, expect);
    lua_getfield(J, result, "errors");
    if (lua_pcall(J, 3, 2, 0) != LUA_OK) {
        snprintf(why, len, "%s", lua_tostring(J, -1) != NULL
                 ? lua_tostring(J, -1) : "the check failed");
        lua_pop(J, 1);
        return 0;
    }
    ok = lua_toboolean(J, -2);
    if (!ok)
        snprintf(why, len, "%s", lua_tostring(J, -1) != NULL
                 ? lua_tostring(J, -1) : "?");
    lua_pop(J, 2);
    return ok;
}

/* append_line - add "test NAME: ok|FAILED: why" to the report */
static int
append_line(struct test_run *tr, const char *name, int ok, const char *why)
{
    size_t old = tr->report != NULL ? strlen(tr->report) : 0;
    size_t n = strlen(name) + strlen(why) + 32;
    char *r = realloc(tr->report, old + n);

    if (r == NULL)
        return -1;
    tr->report = r;
    snprintf(r + old, n, "test %s: %s%s%s\n", name, ok ? "ok" : "FAILED",
             ok ? "" : ": ", ok ? "" : why);
    return 0;
}

/* run_test - test i (1-based) on a connection of its own; 1 passed, 0
 * failed (why says how), -1 out of memory */
static int
run_test(struct test_run *tr, size_t i, char *why, size_t len)
{
    struct test_load tl;
    struct driver d;
    struct lresult r;
    log_hook_fn old_hook;
    void *old_ud;
    int top = lua_gettop(tr->judge), ok = 0;

    memset(&tl, 0, sizeof tl);
    tl.tr = tr;
    tl.i = i;
    lua_pushcfunction(tr->judge, lresult_new);
    if (lua_pcall(tr->judge, 0, 1, 0) != LUA_OK) {
        lua_settop(tr->judge, top);
        return -1;
    }
    lresult_begin(&r, tr->judge, -1);
    log_set_hook(lresult_hook, &r, &old_hook, &old_ud);
    if (driver_open(&d, tr->s, MODULE_TEST, &lresult_observer, &r, why,
                    len) < 0) {
        log_set_hook(old_hook, old_ud, NULL, NULL);
        lresult_end(&r);
        lua_settop(tr->judge, top);
        return -1;
    }
    if (d.c->mode != CONN_SERVING) {
        snprintf(why, len, "%s", r.errors != NULL ? r.errors
                 : "the policy could not start");
    } else if (engine_protected(&d.c->lc, ST_NONE, load_test, &tl, why,
                                len) < 0) {
        without_traceback(why);
    } else if (lvector_run(&d, &tl.v, &tl.reply, &r, why, len) < 0) {
        /* why says it */
    } else if (r.failed) {
        snprintf(why, len, "out of memory building the result");
    } else {
        ok = judge(tr, r.result, tl.expect, why, len);
    }
    lanchor_close(&tl.anchor);
    lvector_free(&tl.v);
    driver_close(&d);
    log_set_hook(old_hook, old_ud, NULL, NULL);
    lresult_end(&r);
    lua_settop(tr->judge, top);
    return ok;
}

/* open_judge - a plain state holding milter.test's check (at index 1);
 * NULL and why if it cannot be made */
static lua_State *
open_judge(char *err, size_t errlen)
{
    char path[4096], sub[4352];
    lua_State *J = luaL_newstate();
    size_t len;
    char *src;

    if (J == NULL) {
        snprintf(err, errlen, "cannot create a Lua state");
        return NULL;
    }
    luaL_requiref(J, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(J, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(J, LUA_TABLIBNAME, luaopen_table, 1);
    lua_settop(J, 0);
    snprintf(path, sizeof path, "%s/milter/test.lua", paths_libdir());
    src = fileio_read(path, 1u << 20, &len, sub, sizeof sub);
    if (src == NULL) {
        snprintf(err, errlen, "%s", sub);
        lua_close(J);
        return NULL;
    }
    lua_pushfstring(J, "@%s", path);
    if (luaL_loadbufferx(J, src, len, lua_tostring(J, -1), "t") != LUA_OK ||
        (lua_newtable(J), lua_pcall(J, 1, 1, 0)) != LUA_OK ||
        lua_getfield(J, -1, "check") != LUA_TFUNCTION) {
        snprintf(err, errlen, "%s: %s", path, lua_tostring(J, -1) != NULL
                 ? lua_tostring(J, -1) : "no check function");
        free(src);
        lua_close(J);
        return NULL;
    }
    free(src);
    lua_replace(J, 1);
    lua_settop(J, 1);
    return J;
}

/* free_run - release what the run holds */
static void
free_run(struct test_run *tr)
{
    size_t i;

    for (i = 0; tr->names != NULL && i < tr->n; i++)
        free(tr->names[i]);
    free(tr->names);
    free(tr->dir);
    free(tr->report);
    if (tr->judge != NULL)
        lua_close(tr->judge);
}

/* policytest_run - list the tests in the checked state of generation s,
 * run each on a connection of its own and keep the report in s */
int
policytest_run(struct lconn *check, struct script *s, char *err,
               size_t errlen)
{
    struct test_run tr;
    char why[4096];
    size_t i;
    int rc;

    memset(&tr, 0, sizeof tr);
    tr.check = check;
    tr.s = s;
    if (engine_protected(check, ST_NONE, list_tests, &tr, why,
                         sizeof why) < 0) {
        snprintf(err, errlen, "%s: running the policy's tests: %s", s->path,
                 why);
        free_run(&tr);
        return -1;
    }
    if (tr.n == 0) {
        free_run(&tr);
        return 0;
    }
    tr.dir = script_dir(s->path);
    tr.judge = open_judge(why, sizeof why);
    if (tr.dir == NULL || tr.judge == NULL) {
        snprintf(err, errlen, "%s: running the policy's tests: %s", s->path,
                 tr.dir == NULL ? "out of memory" : why);
        free_run(&tr);
        return -1;
    }
    for (i = 0; i < tr.n; i++) {
        why[0] = '\0';
        rc = run_test(&tr, i + 1, why, sizeof why);
        if (rc < 0 || append_line(&tr, tr.names[i], rc == 1, rc < 0
                                  ? "out of memory" : why) < 0) {
            snprintf(err, errlen, "%s: running the policy's tests: out of "
                     "memory", s->path);
            free_run(&tr);
            return -1;
        }
        tr.failed += rc != 1;
    }
    free(s->test_report);
    s->test_report = tr.report;
    tr.report = NULL;
    s->tests_run = (int)tr.n;
    rc = tr.failed;
    free_run(&tr);
    if (rc > 0) {
        snprintf(err, errlen, "%s: %d of %d" POLICYTEST_FAILED ":\n%s",
                 s->path, rc, s->tests_run, s->test_report);
        return -1;
    }
    return 0;
}
