/* unit_ltables.c - milter.tables from Lua: a bare lua_State opened with
 * luaopen_milter_tables over a set of real table files, running snippets
 * that call every method and hit every error path; the class declarations
 * (tables_lua_declare); a memory refusal in the middle of a lookup; and
 * states on several threads looking up while the table is reloaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tables_lua.h"
#include "tables_fixture.h"

static struct tables_reg *reg;
static struct tables_set *set;
static struct tables_lua_host host;
static double time_left = 10;

/* left - the host's budget in tests: time_left seconds */
static double
left(lua_State *L, void *ud)
{
    (void)L;
    (void)ud;
    return time_left;
}

/* add - name a table file written into the test directory */
static void
add(const char *name, const char *type, const char *file, const char *text)
{
    char err[1024], spec[300];
    char *path = fx_write(file, text, 60);

    snprintf(spec, sizeof spec, "%s:%s", type, path);
    if (tables_set_add(set, name, spec, NULL, 0, err, sizeof err) < 0)
        fail_msg("%s", err);
    free(path);
}

/* quiet - the registry's logger here: reloads are expected */
static void
quiet(void *ud, int level, const char *line)
{
    (void)ud;
    (void)level;
    (void)line;
}

/* setup - the set every state sees: a texthash, a cidr and a regexp */
static int
setup(void **state)
{
    static const struct tables_env env = {NULL, quiet, NULL, 0, NULL};

    (void)state;
    reg = tables_reg_new(&env);
    set = tables_set_new(reg);
    add("sender", "texthash", "sender", "example.com OK\n"
        "spammer.example REJECT go away\n"
        "user@friend.example OK friend\n"
        "postmaster@ OK postmaster\n"
        "<> null sender\n"
        "192.0.2 network key\n");
    add("client", "cidr", "client.cidr", "192.0.2.0/24 REJECT doc\n"
        "::ffff:192.0.2.0/120 mapped\n");
    add("rx", "regexp", "rx", "/^(.*)@(.*)\\.example$/ user=$1 domain=$2\n"
        "/^sub\\.example\\.org$/ full-only\n");
    host.set = set;
    host.remaining = left;
    return 0;
}

/* teardown - release the set and the registry */
static int
teardown(void **state)
{
    (void)state;
    tables_set_unref(set);
    tables_reg_free(reg);
    return 0;
}

/* new_state - a bare state with milter.tables opened over host */
static lua_State *
new_state(const struct tables_lua_host *h)
{
    lua_State *L = luaL_newstate();

    luaL_openlibs(L);
    tables_lua_sethost(L, h);
    luaL_requiref(L, "milter.tables", luaopen_milter_tables, 0);
    lua_pop(L, 1);
    return L;
}

/* run_ok - chunk runs without error */
static void
run_ok(lua_State *L, const char *chunk)
{
    if (luaL_dostring(L, chunk) != LUA_OK)
        fail_msg("%s", lua_tostring(L, -1));
    lua_settop(L, 0);
}

/* run_err - chunk raises an error containing needle */
static void
run_err(lua_State *L, const char *chunk, const char *needle)
{
    const char *msg;

    if (luaL_dostring(L, chunk) == LUA_OK)
        fail_msg("no error from: %s", chunk);
    msg = lua_tostring(L, -1);
    if (msg == NULL || strstr(msg, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", msg ? msg : "(not a string)",
                 needle);
    lua_settop(L, 0);
}

/* test_lookup - t:lookup for each type, bytes, misuse */
static void
test_lookup(void **state)
{
    lua_State *L = new_state(&host);

    (void)state;
    run_ok(L, "local t = require 'milter.tables'\n"
              "assert(t.sender:lookup('EXAMPLE.COM') == 'OK')\n"
              "assert(t.sender:lookup('nope') == nil)\n"
              "assert(t.sender:lookup('example.com\\0') == nil)\n"
              "assert(t.client:lookup('192.0.2.7') == 'REJECT doc')\n"
              "assert(t.client:lookup('::ffff:192.0.2.7') == 'mapped')\n"
              "assert(t.client:lookup('198.51.100.1') == nil)\n"
              "assert(t.rx:lookup('Bob@Host.example') == "
              "'user=Bob domain=Host')\n"
              "assert(select('#', t.rx:lookup('x')) == 1)\n"
              "assert(t.client:lookup(192) == nil)\n"
              "assert(tostring(t.client):find('^milter.tables: client "
              "%(cidr:/'))\n"
              "assert(getmetatable(t.client) == false)\n"
              "assert(getmetatable(t) == false)\n");
    run_err(L, "return require('milter.tables').sender:lookup()",
            "bad argument #1 to 'lookup' (string expected, got no value)");
    run_err(L, "return require('milter.tables').sender.lookup('x')",
            "milter.tables.table expected");
    run_err(L, "return require('milter.tables').sender:lookup({})",
            "string expected, got table");
    run_err(L, "return require('milter.tables').nope",
            "no table named 'nope' (there are: sender, client, rx)");
    run_err(L, "require('milter.tables').sender = 1",
            "milter.tables is read-only");
    run_ok(L, "local n = {}\n"
              "for k, v in pairs(require 'milter.tables') do\n"
              "  n[#n + 1] = k .. '=' .. tostring(v):match('%((%a+):')\n"
              "end\n"
              "table.sort(n)\n"
              "assert(table.concat(n, ' ') == "
              "'client=cidr rx=regexp sender=texthash', table.concat(n, ' '))\n"
              "local f, s, c = pairs(require 'milter.tables')\n"
              "assert(s == nil and c == nil)\n"
              "assert(select('#', f(nil, 'nope')) == 0)\n");
    run_err(L, "require('milter.tables').new = 1",
            "milter.tables is read-only");
    lua_close(L);
}

/* test_lookup_domain - the domain, then its parents (texthash only), not
 * for an address; the key that matched */
static void
test_lookup_domain(void **state)
{
    lua_State *L = new_state(&host);

    (void)state;
    run_ok(L, "local t = require 'milter.tables'\n"
              "local r, k = t.sender:lookup_domain('a.b.Spammer.Example')\n"
              "assert(r == 'REJECT go away' and k == 'Spammer.Example', k)\n"
              "r, k = t.sender:lookup_domain('example.com')\n"
              "assert(r == 'OK' and k == 'example.com')\n"
              "r, k = t.sender:lookup_domain('www.example.com.')\n"
              "assert(r == nil and k == nil)\n"
              "assert(t.sender:lookup_domain('x.example') == nil)\n"
              "assert(t.sender:lookup_domain('') == nil)\n"
              "assert(t.sender:lookup_domain('.') == nil)\n"
              "assert(t.sender:lookup_domain('a.example.com\\0') == nil)\n"
              /* 1.192.0.2 has parents 192.0.2; an IP address has none */
              "assert(t.sender:lookup_domain('host.192.0.2') == 'network key')\n"
              "assert(t.sender:lookup_domain('192.0.2.1') == nil)\n"
              "assert(t.sender:lookup_domain('01.192.0.2') == nil)\n"
              /* a regexp table: the whole name only */
              "assert(t.rx:lookup_domain('a.sub.example.org') == nil)\n"
              "r, k = t.rx:lookup_domain('sub.example.org')\n"
              "assert(r == 'full-only' and k == 'sub.example.org')\n"
              "assert(t.client:lookup_domain('192.0.2.9') == 'REJECT doc')\n"
              /* 200 000 parents: each longer than any key, skipped unread */
              "r, k = t.sender:lookup_domain(('a.'):rep(200000) .. "
              "'spammer.example')\n"
              "assert(r == 'REJECT go away' and k == 'spammer.example')\n");
    run_err(L, "return require('milter.tables').sender:lookup_domain(nil)",
            "bad argument #1 to 'lookup_domain'");
    lua_close(L);
}

/* test_lookup_address - user@domain, the domain and its parents, user@;
 * brackets, the null sender */
static void
test_lookup_address(void **state)
{
    lua_State *L = new_state(&host);

    (void)state;
    run_ok(L, "local t = require 'milter.tables'\n"
              "local r, k = t.sender:lookup_address('<user@friend.example>')\n"
              "assert(r == 'OK friend' and k == 'user@friend.example', k)\n"
              "r, k = t.sender:lookup_address('x@mail.spammer.example')\n"
              "assert(r == 'REJECT go away' and k == 'spammer.example', k)\n"
              "r, k = t.sender:lookup_address('PostMaster@anywhere.test')\n"
              "assert(r == 'OK postmaster' and k == 'PostMaster@', k)\n"
              "r, k = t.sender:lookup_address('<>')\n"
              "assert(r == 'null sender' and k == '<>')\n"
              "r, k = t.sender:lookup_address('')\n"
              "assert(r == 'null sender' and k == '<>')\n"
              "assert(t.sender:lookup_address('nobody@nowhere.test') == nil)\n"
              "assert(t.sender:lookup_address('example.com') == 'OK')\n"
              "assert(t.sender:lookup_address('postmaster') == nil)\n"
              "assert(t.sender:lookup_address('a@b@example.com') == 'OK')\n"
              "r, k = t.sender:lookup_address('postmaster@')\n"
              "assert(r == 'OK postmaster' and k == 'postmaster@')\n"
              "assert(t.sender:lookup_address('a@example.com\\0') == nil)\n"
              /* a regexp table: the whole address only */
              "r, k = t.rx:lookup_address('<Bob@Host.example>')\n"
              "assert(r == 'user=Bob domain=Host' and k == 'Bob@Host.example')\n"
              "assert(t.rx:lookup_address('bob@sub.example.org') == nil)\n");
    run_err(L, "return require('milter.tables').sender:lookup_address(true)",
            "bad argument #1 to 'lookup_address'");
    lua_close(L);
}

/* test_budget - a regexp lookup with no time left raises, catchably; a
 * texthash lookup does not ask */
static void
test_budget(void **state)
{
    lua_State *L = new_state(&host);

    (void)state;
    time_left = 0;
    run_ok(L, "local t = require 'milter.tables'\n"
              "local ok, err = pcall(t.rx.lookup, t.rx, 'a@b.example')\n"
              "assert(not ok and err:find('milter.tables: rx: time budget "
              "exceeded'), err)\n"
              "assert(t.sender:lookup('example.com') == 'OK')\n");
    time_left = 10;
    run_ok(L, "assert(require('milter.tables').rx:lookup('a@b.example'))");
    lua_close(L);
}

/* test_no_host - a state the daemon gave no tables cannot open them */
static void
test_no_host(void **state)
{
    lua_State *L = luaL_newstate();

    (void)state;
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_milter_tables);
    lua_setfield(L, -2, "milter.tables");
    lua_pop(L, 1);
    run_err(L, "require 'milter.tables'", "this state has no tables");
    lua_close(L);
}

static size_t mem_used, mem_limit;

/* limited_alloc - a Lua allocator that refuses to grow past mem_limit */
static void *
limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    if (ptr == NULL)
        osize = 0;
    if (nsize == 0) {
        free(ptr);
        mem_used -= osize;
        return NULL;
    }
    if (nsize > osize && mem_used + nsize - osize > mem_limit)
        return NULL;
    ptr = realloc(ptr, nsize);
    if (ptr != NULL)
        mem_used += nsize - osize;
    return ptr;
}

/* limited_state - a state with milter.tables as global `tables` over h,
 * its allocator limited by mem_limit */
static lua_State *
limited_state(const struct tables_lua_host *h)
{
    lua_State *L;

    mem_used = 0;
    mem_limit = (size_t)-1;
    L = lua_newstate(limited_alloc, NULL);
    luaL_openlibs(L);
    tables_lua_sethost(L, h);
    luaL_requiref(L, "milter.tables", luaopen_milter_tables, 0);
    lua_setglobal(L, "tables");
    run_ok(L, "collectgarbage('stop')");
    return L;
}

/* test_memory - a result the state has no room for raises a memory error;
 * the version the lookup held is dropped (at the next lookup, or when the
 * state closes: the count of live versions comes back), the state goes on */
static void
test_memory(void **state)
{
    long base = table_alive();
    struct tables_set *big = tables_set_new(reg);
    struct tables_lua_host bh = {big, NULL, NULL, NULL};
    char *text = malloc(300010), err[1024], spec[300], *path;
    lua_State *L;

    (void)state;
    memcpy(text, "big ", 4);
    memset(text + 4, 'v', 300000);
    strcpy(text + 300004, "\n");
    path = fx_write("big.texthash", text, 60);
    snprintf(spec, sizeof spec, "texthash:%s", path);
    assert_int_equal(tables_set_add(big, "big", spec, NULL, 0, err,
                                    sizeof err), 0);
    assert_int_equal(table_alive(), base + 1);

    L = limited_state(&bh);                     /* refused, then closed */
    mem_limit = mem_used + 100000;
    assert_int_not_equal(luaL_dostring(L, "return tables.big:lookup('big')"),
                         LUA_OK);
    assert_non_null(strstr(lua_tostring(L, -1), "not enough memory"));
    lua_close(L);

    L = limited_state(&bh);                     /* refused, then used again */
    mem_limit = mem_used + 100000;
    assert_int_not_equal(luaL_dostring(L, "return tables.big:lookup('big')"),
                         LUA_OK);
    lua_settop(L, 0);
    mem_limit = (size_t)-1;
    run_ok(L, "assert(#tables.big:lookup('BIG') == 300000)");
    lua_close(L);

    tables_set_unref(big);
    assert_int_equal(table_alive(), base);      /* no reference was kept */
    free(text);
    free(path);
}

/* test_idle - a state keeps the version it used, until a newer one is
 * there (its next lookup takes that) or tables_lua_idle drops it */
static void
test_idle(void **state)
{
    struct tables_set *s = tables_set_new(reg);
    struct tables_lua_host ih = {s, NULL, NULL, NULL};
    char *path = fx_write("idle", "k one\n", 60), err[1024], spec[300];
    long base;
    lua_State *L;

    (void)state;
    snprintf(spec, sizeof spec, "texthash:%s", path);
    assert_int_equal(tables_set_add(s, "idle", spec, NULL, 0, err,
                                    sizeof err), 0);
    base = table_alive();
    L = new_state(&ih);
    run_ok(L, "assert(require('milter.tables').idle:lookup('k') == 'one')");
    free(fx_write("idle", "k two\n", 50));
    assert_int_equal(tables_reg_reload(reg, 1), 0);
    assert_int_equal(table_alive(), base + 1);  /* the state keeps "one" */
    run_ok(L, "assert(require('milter.tables').idle:lookup('k') == 'two')");
    assert_int_equal(table_alive(), base);      /* and let it go */
    free(fx_write("idle", "k three\n", 40));
    assert_int_equal(tables_reg_reload(reg, 1), 0);
    assert_int_equal(table_alive(), base + 1);
    tables_lua_idle(L);
    assert_int_equal(lua_gettop(L), 0);
    assert_int_equal(table_alive(), base);
    tables_lua_idle(L);                         /* nothing kept: harmless */
    run_ok(L, "assert(require('milter.tables').idle:lookup('k') == 'three')");
    lua_close(L);
    assert_int_equal(table_alive(), base);
    tables_set_unref(s);
    free(path);
}

/* test_declare - Policy.tables: loaded relative to the script, confined to
 * its directory, inherited through __index; the config's names win */
static void
test_declare(void **state)
{
    struct tables_set *s = tables_set_new(reg);
    struct tables_lua_host sh = {s, NULL, NULL, NULL};
    char err[1024];
    lua_State *L;

    (void)state;
    free(fx_write("declared.cidr", "10.0.0.0/8 ten\n", 60));
    assert_int_equal(tables_set_add(s, "client", "cidr:client.cidr",
                                    fx_dir(), 0, err, sizeof err), 0);
    L = new_state(&sh);
    run_ok(L, "Base = { tables = { net = 'cidr:declared.cidr', "
              "client = 'cidr:declared.cidr' } }\n"
              "Policy = setmetatable({}, { __index = Base })\n");
    lua_getglobal(L, "Policy");
    if (tables_lua_declare(L, -1, s, fx_dir(), 0, err, sizeof err) < 0)
        fail_msg("%s", err);
    lua_pop(L, 1);
    assert_int_equal(lua_gettop(L), 0);
    run_ok(L, "local t = require 'milter.tables'\n"
              "assert(t.net:lookup('10.1.1.1') == 'ten')\n"
              "assert(t.client:lookup('10.1.1.1') == nil)\n"
              "assert(t.client:lookup('192.0.2.1') == 'REJECT doc')\n");

    run_ok(L, "Bad1 = { tables = 'cidr:x' }\n"
              "Bad2 = { tables = { [1] = 'cidr:x' } }\n"
              "Bad3 = { tables = { x = 'cidr:/etc/passwd' } }\n"
              "Bad4 = { tables = { x = 'cidr:../x.cidr' } }\n"
              "Bad5 = { tables = { x = 'cidr:missing.cidr' } }\n"
              "Bad6 = { tables = { ['a b'] = 'cidr:declared.cidr' } }\n"
              "None = {}\n");
    {
        static const struct {
            const char *global, *needle;
        } bad[] = {
            {"Bad1", "must be a table of NAME = \"TYPE:PATH\", not a string"},
            {"Bad2", "every entry must be NAME = \"TYPE:PATH\" (got a number"},
            {"Bad3", "tables.x: '/etc/passwd': a policy's table path must be relative"},
            {"Bad4", "may not contain '..'"},
            {"Bad5", "missing.cidr: cannot open"},
            {"Bad6", "bad table name 'a b'"},
        };
        size_t i;

        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            lua_getglobal(L, bad[i].global);
            assert_int_equal(tables_lua_declare(L, -1, s, fx_dir(), 0, err,
                                                sizeof err), -1);
            if (strstr(err, bad[i].needle) == NULL)
                fail_msg("%s: '%s' lacks '%s'", bad[i].global, err,
                         bad[i].needle);
            lua_pop(L, 1);
            assert_int_equal(lua_gettop(L), 0);
        }
    }
    lua_getglobal(L, "None");
    assert_int_equal(tables_lua_declare(L, -1, s, fx_dir(), 0, err,
                                        sizeof err), 0);
    lua_pop(L, 1);
    lua_close(L);
    tables_set_unref(s);
}

struct worker {
    const struct tables_lua_host *host;
    int rounds;
    int failed;
    char why[256];
};

/* work - one thread's state looking up, answers always "old" or "new" */
static void *
work(void *arg)
{
    struct worker *w = arg;
    lua_State *L = luaL_newstate();

    luaL_openlibs(L);
    tables_lua_sethost(L, w->host);
    luaL_requiref(L, "milter.tables", luaopen_milter_tables, 0);
    lua_setglobal(L, "tables");
    lua_pushinteger(L, w->rounds);
    lua_setglobal(L, "rounds");
    if (luaL_dostring(L, "for i = 1, rounds do\n"
                         "  local r = tables.swap:lookup('k')\n"
                         "  if r ~= 'old' and r ~= 'new' then\n"
                         "    error('answer ' .. tostring(r))\n"
                         "  end\n"
                         "  local c = tables.swapnet:lookup('10.1.2.3')\n"
                         "  if c ~= 'old' and c ~= 'new' then\n"
                         "    error('cidr answer ' .. tostring(c))\n"
                         "  end\n"
                         "end") != LUA_OK) {
        w->failed = 1;
        snprintf(w->why, sizeof w->why, "%s", lua_tostring(L, -1));
    }
    lua_close(L);
    return NULL;
}

/* test_threads - states on four threads look up while the files are read
 * again and swapped, over and over */
static void
test_threads(void **state)
{
    struct tables_set *s = tables_set_new(reg);
    struct tables_lua_host th = {s, NULL, NULL, NULL};
    struct worker w[4];
    pthread_t tid[4];
    char err[1024], spec[300], *path, *path2;
    int i;

    (void)state;
    path = fx_write("swap", "k old\n", 60);
    path2 = fx_write("swap.cidr", "10.0.0.0/8 old\n", 60);
    snprintf(spec, sizeof spec, "texthash:%s", path);
    assert_int_equal(tables_set_add(s, "swap", spec, NULL, 0, err,
                                    sizeof err), 0);
    snprintf(spec, sizeof spec, "cidr:%s", path2);
    assert_int_equal(tables_set_add(s, "swapnet", spec, NULL, 0, err,
                                    sizeof err), 0);
    for (i = 0; i < 4; i++) {
        w[i].host = &th;
        w[i].rounds = 20000;
        w[i].failed = 0;
        assert_int_equal(pthread_create(&tid[i], NULL, work, &w[i]), 0);
    }
    for (i = 0; i < 60; i++) {
        free(fx_write("swap", i % 2 ? "k old\n" : "k new\n", 60 + i));
        free(fx_write("swap.cidr", i % 2 ? "10.0.0.0/8 old\n"
                                         : "10.0.0.0/8 new\n", 60 + i));
        assert_int_equal(tables_reg_reload(reg, 1), 0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(tid[i], NULL), 0);
        if (w[i].failed)
            fail_msg("thread %d: %s", i, w[i].why);
    }
    tables_set_unref(s);
    free(path);
    free(path2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_lookup_domain),
        cmocka_unit_test(test_lookup_address),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_no_host),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_idle),
        cmocka_unit_test(test_declare),
        cmocka_unit_test(test_threads),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
