/* unit_redis.c - the Redis client (src/modules/redis_*): URL and config
 * parsing (the keys through the one config table), SHA-1, the refused commands, and the milter.redis binding driven
 * through bare Lua states against a scripted RESP peer (t/c/resp_peer.c):
 * every reply type, pipelines, EVALSHA/EVAL, timeouts, a late reply, a
 * trickling server, closed and broken connections, fail-fast and recovery
 * on a moved clock, AUTH, the reply cap, the pool limit, the budget,
 * unconfigured and policy-test modes, memory errors while mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "monotime.h"
#include "redis_cmd.h"
#include "redis_config.h"
#include "redis_lua.h"
#include "redis_pool.h"
#include "redis_url.h"
#include "sha1.h"
#include "redis_kit.h"
#include "resp_peer.h"

static char sock_path[108];
static double clock_shift;          /* the pool's down-window clock moves */
static char last_log[512];

/* test_now - the pool's clock: monotonic plus what a test moved it by */
static double
test_now(void *ud)
{
    (void)ud;
    return mono_now() + clock_shift;
}

/* test_log - keep the pool's last log line */
static void
test_log(int level, const char *line, void *ud)
{
    (void)level;
    (void)ud;
    snprintf(last_log, sizeof last_log, "%s", line);
}

/* new_pool - a pool for url with this timeout, size and cap */
static struct redis_pool *
new_pool(const char *url, double timeout, int conns, size_t max_reply)
{
    struct redis_hooks hooks = {.log = test_log, .now = test_now};
    struct redis_config rc;
    struct redis_pool *p;
    char err[256];

    redis_config_init(&rc);
    if (redis_url_parse(url, &rc.target, err, sizeof err) != 0)
        fail_msg("%s: %s", url, err);
    rc.timeout = timeout;
    rc.connections = conns;
    rc.max_reply = max_reply;
    p = redis_pool_new(&rc, &hooks);
    redis_config_free(&rc);
    assert_non_null(p);
    return p;
}

/* peer_url - the unix: URL of the scripted peer */
static const char *
peer_url(void)
{
    static char url[128];

    snprintf(url, sizeof url, "unix:%s", sock_path);
    return url;
}

/* l_peer_count - peer_count(name): commands the peer saw */
static int
l_peer_count(lua_State *L)
{
    struct resp_peer *p = lua_touserdata(L, lua_upvalueindex(1));

    lua_pushinteger(L, p != NULL ? resp_peer_count(p, luaL_checkstring(L, 1))
                                 : 0);
    return 1;
}

static const char prelude[] =
    "function same(a, b)\n"
    "  if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end\n"
    "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
    "  for k in pairs(b) do if a[k] == nil then return false end end\n"
    "  return true\n"
    "end\n"
    "function show(v)\n"
    "  if type(v) ~= 'table' then return string.format('%q', v) end\n"
    "  local t = {}\n"
    "  for k, x in pairs(v) do t[#t + 1] = tostring(k) .. '=' .. show(x) end\n"
    "  table.sort(t)\n"
    "  return '{' .. table.concat(t, ',') .. '}'\n"
    "end\n"
    "function expect(want, ...)\n"
    "  local got = table.pack(...)\n"
    "  got.n = nil\n"
    "  if not same(want, got) then\n"
    "    error('want ' .. show(want) .. ', got ' .. show(got), 2)\n"
    "  end\n"
    "end\n"
    "function fails(needle, f, ...)\n"
    "  local ok, err = pcall(f, ...)\n"
    "  if ok then error('no error, wanted ' .. needle, 2) end\n"
    "  if not tostring(err):find(needle, 1, true) then\n"
    "    error('error ' .. tostring(err) .. ' lacks ' .. needle, 2)\n"
    "  end\n"
    "end\n"
    "function starts(prefix, v, err)\n"
    "  if v ~= nil or type(err) ~= 'string' or err:sub(1, #prefix) ~= prefix"
    " then\n"
    "    error('want nil, ' .. prefix .. '..., got ' .. show(v) .. ', ' .."
    " show(err), 2)\n"
    "  end\n"
    "end\n";

/* new_state - a bare Lua state with milter.redis as the global redis, the
 * helpers above, set_left, now and peer_count */
static lua_State *
new_state(struct redis_pool *pool, int policy_test, struct redis_kit_budget *b,
          struct resp_peer *peer)
{
    struct redis_lua_env env = {pool, policy_test, redis_kit_time_left, b,
                                NULL};
    lua_State *L = luaL_newstate();

    assert_non_null(L);
    luaL_openlibs(L);
    b->left = NAN;
    redis_lua_setup(L, &env);
    luaL_requiref(L, "milter.redis", luaopen_milter_redis, 0);
    lua_setglobal(L, "redis");
    lua_pushlightuserdata(L, b);
    lua_pushcclosure(L, redis_kit_set_left, 1);
    lua_setglobal(L, "set_left");
    lua_pushcfunction(L, redis_kit_now);
    lua_setglobal(L, "now");
    lua_pushlightuserdata(L, peer);
    lua_pushcclosure(L, l_peer_count, 1);
    lua_setglobal(L, "peer_count");
    if (luaL_dostring(L, prelude) != LUA_OK)
        fail_msg("prelude: %s", lua_tostring(L, -1));
    return L;
}

/* a scripted peer, a pool on it and a state using the pool */
struct fixture {
    struct resp_peer *peer;
    struct redis_pool *pool;
    struct redis_kit_budget b;
    lua_State *L;
};

/* fixture_open - start the peer, make the pool and the state */
static lua_State *
fixture_open(struct fixture *f, int policy_test, double timeout, int conns,
             size_t max_reply)
{
    f->peer = resp_peer_start(sock_path, NULL);
    assert_non_null(f->peer);
    f->pool = new_pool(peer_url(), timeout, conns, max_reply);
    f->L = new_state(f->pool, policy_test, &f->b, f->peer);
    return f->L;
}

/* fixture_close - close the state, release the pool, stop the peer */
static void
fixture_close(struct fixture *f)
{
    lua_close(f->L);
    redis_pool_release(f->pool);
    resp_peer_stop(f->peer);
}

/* run - run Lua code in L; a failure fails the test with its message */
static void
run(lua_State *L, const char *code)
{
    if (luaL_loadstring(L, code) != LUA_OK ||
        lua_pcall(L, 0, 0, 0) != LUA_OK)
        fail_msg("%s", lua_tostring(L, -1));
}

/* url_ok - url parses; returns the target */
static struct redis_target
url_ok(const char *url)
{
    struct redis_target t;
    char err[256];

    if (redis_url_parse(url, &t, err, sizeof err) != 0)
        fail_msg("%s rejected: %s", url, err);
    return t;
}

/* url_bad - url is refused with a message containing needle, and the
 * message never shows the password "s3cret" */
static void
url_bad(const char *url, const char *needle)
{
    struct redis_target t;
    char err[256];

    assert_int_equal(redis_url_parse(url, &t, err, sizeof err), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("%s: '%s' lacks '%s'", url, err, needle);
    assert_null(strstr(err, "s3cret"));
}

/* test_url - every accepted form, and what the refusals say */
static void
test_url(void **state)
{
    struct redis_target t;

    (void)state;
    t = url_ok("redis://127.0.0.1");
    assert_int_equal(t.transport, REDIS_TCP);
    assert_string_equal(t.host, "127.0.0.1");
    assert_int_equal(t.port, 6379);
    assert_int_equal(t.db, 0);
    assert_false(t.has_password);
    t = url_ok("redis://:s3cret@10.0.0.5:6380/3");
    assert_string_equal(t.password, "s3cret");
    assert_string_equal(t.user, "");
    assert_int_equal(t.port, 6380);
    assert_int_equal(t.db, 3);
    assert_null(strstr(t.label, "s3cret"));
    t = url_ok("redis://milter:p%40ss%2Fw@[::1]:7000/");
    assert_string_equal(t.user, "milter");
    assert_string_equal(t.password, "p@ss/w");
    assert_string_equal(t.host, "::1");
    assert_int_equal(t.port, 7000);
    assert_string_equal(t.label, "[::1]:7000/0");
    t = url_ok("redis://:a@b@127.0.0.1");
    assert_string_equal(t.password, "a@b");
    t = url_ok("unix:/run/redis/redis.sock");
    assert_int_equal(t.transport, REDIS_UNIX);
    assert_string_equal(t.path, "/run/redis/redis.sock");
    t = url_ok("unix:/r.sock?db=12&password=s%3d1&user=u");
    assert_int_equal(t.db, 12);
    assert_string_equal(t.password, "s=1");
    assert_string_equal(t.user, "u");
    assert_true(t.has_password);
    url_bad("redis://localhost:6379", "host 'localhost' is not an IP address");
    url_bad("redis://:s3cret@redis.example.com/1", "is not an IP address");
    url_bad("redis://::1", "IPv6 address goes in brackets");
    url_bad("redis://[127.0.0.1]", "not an IP address");
    url_bad("redis://[::1", "no closing ']'");
    url_bad("redis://", "host is missing");
    url_bad("redis://:s3cret@", "host is missing");
    url_bad("redis://127.0.0.1:0", "port");
    url_bad("redis://127.0.0.1:65536", "port");
    url_bad("redis://127.0.0.1:x", "port");
    url_bad("redis://127.0.0.1/x", "database");
    url_bad("redis://127.0.0.1/-1", "database");
    url_bad("redis://s3cret@127.0.0.1", "needs a ':' before the password");
    url_bad("redis://:s3%2@127.0.0.1", "two hex digits");
    url_bad("redis://:s3%00@127.0.0.1", "NUL");
    url_bad("redis://127.0.0.1?db=1", "no '?'");
    url_bad("rediss://127.0.0.1", "TLS");
    url_bad("http://127.0.0.1", "must start with redis:// or unix:");
    url_bad("127.0.0.1:6379", "must start with");
    url_bad("unix:relative.sock", "absolute socket path");
    url_bad("unix:", "absolute socket path");
    url_bad("unix:/r.sock?db=x", "db= must be a number");
    url_bad("unix:/r.sock?password=s3cret&color=red", "unknown parameter "
            "'color'");
    url_bad("unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "longer than 107 bytes");
}

/* keys_config - a config with the Redis keys registered; the section id */
static struct config *
keys_config(int *id)
{
    struct config *cfg;

    *id = config_add_section(&redis_config_section);
    assert_true(*id > 0);
    cfg = config_new();
    assert_non_null(cfg);
    return cfg;
}

/* conf_bad - key = value is refused with a message containing needle */
static void
conf_bad(const char *key, const char *value, const char *needle)
{
    struct config *cfg;
    char err[256];
    int id;

    cfg = keys_config(&id);
    assert_int_equal(config_set(cfg, key, value, err, sizeof err), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("%s = %s: '%s' lacks '%s'", key, value, err, needle);
    config_unref(cfg);
}

/* conf_set - key = value is taken */
static void
conf_set(struct config *cfg, const char *key, const char *value)
{
    char err[256];

    if (config_set(cfg, key, value, err, sizeof err) != 0)
        fail_msg("%s = %s: %s", key, value, err);
}

/* test_config - defaults, every key, the bad values, reload sameness */
static void
test_config(void **state)
{
    struct config *ca, *cb;
    const struct redis_keys *ka, *kb;
    struct redis_config a;
    char err[256];
    int id;

    (void)state;
    ca = keys_config(&id);
    ka = config_section(ca, id);
    assert_null(ka->url);
    assert_true(ka->timeout == 0.25);
    assert_int_equal(ka->connections, 16);
    assert_int_equal(ka->max_reply, 1u << 20);
    assert_int_equal(redis_config_section.nkeys, 4);
    conf_set(ca, "redis", "unix:/tmp/r.sock");
    conf_set(ca, "redis_timeout", "250ms");
    assert_true(fabs(ka->timeout - 0.25) < 1e-9);
    conf_set(ca, "redis_timeout", "1.5s");
    conf_set(ca, "redis_connections", "64");
    conf_set(ca, "redis_max_reply", "64K");
    assert_int_equal(ka->max_reply, 65536);
    conf_set(ca, "redis_max_reply", "2MiB");
    assert_int_equal(redis_config_from(ka, &a, err, sizeof err), 0);
    assert_string_equal(a.url, "unix:/tmp/r.sock");
    assert_string_equal(a.target.path, "/tmp/r.sock");
    assert_true(a.timeout == 1.5);
    assert_int_equal(a.connections, 64);
    assert_int_equal(a.max_reply, 2u << 20);
    redis_config_free(&a);
    cb = keys_config(&id);
    kb = config_section(cb, id);
    assert_false(redis_keys_same(ka, kb));
    conf_set(cb, "redis", "unix:/tmp/r.sock");
    conf_set(cb, "redis_timeout", "1.5");
    conf_set(cb, "redis_connections", "64");
    conf_set(cb, "redis_max_reply", "2M");
    assert_true(redis_keys_same(ka, kb));
    conf_set(cb, "redis_connections", "63");
    assert_false(redis_keys_same(ka, kb));
    conf_set(cb, "redis", "");
    assert_null(kb->url);
    assert_int_equal(redis_config_from(kb, &a, err, sizeof err), 0);
    assert_null(a.url);
    redis_config_free(&a);
    config_unref(ca);
    config_unref(cb);
    conf_bad("redis", "redis://localhost", "not an IP address");
    conf_bad("redis_timeout", "0", "from 0.01 to 60");
    conf_bad("redis_timeout", "5ms", "from 0.01 to 60");
    conf_bad("redis_timeout", "61", "from 0.01 to 60");
    conf_bad("redis_timeout", "fast", "seconds");
    conf_bad("redis_connections", "0", "from 1 to 1024");
    conf_bad("redis_connections", "2000", "from 1 to 1024");
    conf_bad("redis_connections", "8x", "from 1 to 1024");
    conf_bad("redis_max_reply", "100", "from 1K to 512M");
    conf_bad("redis_max_reply", "0", "from 1K to 512M (bytes, or with a K, "
             "M or G suffix)");
    conf_bad("redis_max_reply", "1G", "from 1K to 512M");
    conf_bad("redis_max_reply", "-1M", "from 1K to 512M");
    conf_bad("redis_max_reply", "1Q", "from 1K to 512M");
}

/* test_sha1 - the FIPS 180 examples and a block boundary */
static void
test_sha1(void **state)
{
    char hex[SHA1_HEX_LEN + 1], *million;

    (void)state;
    sha1_hex("", 0, hex);
    assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    sha1_hex("abc", 3, hex);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
             hex);
    assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    million = malloc(1000000);
    assert_non_null(million);
    memset(million, 'a', 1000000);
    sha1_hex(million, 1000000, hex);
    free(million);
    assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    sha1_hex("return 1", 8, hex);   /* what Redis's SCRIPT LOAD answers */
    assert_string_equal(hex, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

/* refused - the command (words) is refused with needle in the error */
static void
refused(int where, const char *needle, int argc, ...)
{
    const char *argv[8];
    size_t len[8];
    struct redis_cmd_txn txn = {0};
    char err[256];
    va_list ap;
    int i;

    va_start(ap, argc);
    for (i = 0; i < argc; i++) {
        argv[i] = va_arg(ap, const char *);
        len[i] = strlen(argv[i]);
    }
    va_end(ap);
    if (needle == NULL) {
        if (redis_cmd_check(argc, argv, len, where, &txn, err,
                            sizeof err) != 0)
            fail_msg("%s refused: %s", argv[0], err);
        return;
    }
    assert_int_equal(redis_cmd_check(argc, argv, len, where, &txn, err,
                                     sizeof err), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("%s: '%s' lacks '%s'", argv[0], err, needle);
}

/* test_refused_commands - the refused list, any case; XREAD by argument;
 * transactions inside pipelines only */
static void
test_refused_commands(void **state)
{
    static const char *const names[] = {
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "MONITOR", "BLPOP",
        "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX",
        "BZMPOP", "WAIT", "WAITAOF", "CLIENT", "CONFIG", "DEBUG",
        "FLUSHALL", "FLUSHDB", "KEYS", "SHUTDOWN", "ACL", "MODULE",
        "REPLICAOF", "SLAVEOF", "FAILOVER", "SYNC", "PSYNC", "REPLCONF",
        "SELECT", "AUTH", "HELLO", "RESET", "QUIT", "WATCH", "UNWATCH",
        "READONLY", "READWRITE", "UNSUBSCRIBE", "PUNSUBSCRIBE",
        "SUNSUBSCRIBE", NULL
    };
    struct redis_cmd_txn txn = {0};
    const char *argv[1];
    size_t len[1];
    char lower[32], err[256];
    int i, j;

    (void)state;
    for (i = 0; names[i] != NULL; i++) {
        for (j = 0; names[i][j] != '\0'; j++)
            lower[j] = (char)(j % 2 ? names[i][j] + 32 : names[i][j]);
        lower[j] = '\0';
        refused(REDIS_CMD_CALL, names[i], 1, lower);
        refused(REDIS_CMD_PIPELINE, names[i], 1, names[i]);
    }
    refused(REDIS_CMD_CALL, "KEYS is not allowed (administrative", 2, "keys",
            "*");
    refused(REDIS_CMD_CALL, "BLPOP is not allowed (it blocks", 3, "blpop",
            "q", "0");
    refused(REDIS_CMD_CALL, "SELECT is not allowed (it would change the "
            "pooled connection", 2, "select", "1");
    refused(REDIS_CMD_CALL, "XREAD with BLOCK", 6, "XREAD", "COUNT", "1",
            "block", "0", "STREAMS");
    refused(REDIS_CMD_CALL, "XREADGROUP with BLOCK", 8, "xreadgroup",
            "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s");
    refused(REDIS_CMD_CALL, NULL, 4, "XREAD", "STREAMS", "block", "0");
    refused(REDIS_CMD_CALL, NULL, 6, "XREADGROUP", "GROUP", "BLOCK", "c",
            "STREAMS", "s");
    refused(REDIS_CMD_CALL, NULL, 2, "GET", "keys");
    refused(REDIS_CMD_CALL, NULL, 1, "KEYSX");
    refused(REDIS_CMD_CALL, "MULTI is only allowed inside redis.pipeline", 1,
            "multi");
    refused(REDIS_CMD_CALL, "EXEC is only allowed", 1, "EXEC");
    refused(REDIS_CMD_CALL, "DISCARD is only allowed", 1, "discard");
    argv[0] = "MULTI", len[0] = 5;
    assert_int_equal(redis_cmd_check(1, argv, len, REDIS_CMD_PIPELINE, &txn,
                                     err, sizeof err), 0);
    assert_true(txn.open);
    assert_int_equal(redis_cmd_check(1, argv, len, REDIS_CMD_PIPELINE, &txn,
                                     err, sizeof err), -1);
    assert_non_null(strstr(err, "MULTI inside MULTI"));
    argv[0] = "exec", len[0] = 4;
    assert_int_equal(redis_cmd_check(1, argv, len, REDIS_CMD_PIPELINE, &txn,
                                     err, sizeof err), 0);
    assert_false(txn.open);
}

/* test_unconfigured - no pool: every call answers "redis is not
 * configured", misuse still raises */
static void
test_unconfigured(void **state)
{
    struct redis_kit_budget b;
    lua_State *L = new_state(NULL, 0, &b, NULL);

    (void)state;
    run(L, "assert(redis.configured() == false)\n"
           "expect({nil, 'redis is not configured'}, redis.call('GET', 'k'))\n"
           "expect({nil, 'redis is not configured'},"
           " redis.pipeline{{'INCR', 'k'}})\n"
           "expect({nil, 'redis is not configured'}, redis.eval('return 1'))\n"
           "fails('KEYS is not allowed', redis.call, 'KEYS', '*')\n"
           "fails('string (the command) expected', redis.call)\n"
           "fails('argument #2 must be a string or a number, not a table',"
           " redis.call, 'GET', {})\n"
           "assert(require('milter.redis') == redis)\n");
    lua_close(L);
}

/* test_policy_test_mode - nothing reaches Redis; a stub answers when set */
static void
test_policy_test_mode(void **state)
{
    struct fixture f;
    lua_State *L = fixture_open(&f, 1, 1, 2, 1 << 20);

    (void)state;
    run(L, "assert(redis.configured() == false)\n"
           "local na = 'redis is not available in policy tests'\n"
           "expect({nil, na}, redis.call('PING'))\n"
           "expect({nil, na}, redis.pipeline{{'PING'}})\n"
           "expect({nil, na}, redis.eval('return 1', {'k'}))\n"
           "fails('FLUSHALL is not allowed', redis.call, 'flushall')\n");
    run(L, "seen = {}\n"
           "stub = function(...)\n"
           "  seen[#seen + 1] = table.concat({...}, ' ')\n"
           "  local cmd = (...)\n"
           "  if cmd == 'GET' then return false end\n"
           "  if cmd == 'BAD' then return nil, 'WRONGTYPE no' end\n"
           "  if cmd == 'DOWN' then return nil, 'connection refused' end\n"
           "  if cmd == 'NONE' then return end\n"
           "  return 'OK'\n"
           "end\n");
    lua_getglobal(L, "stub");
    redis_lua_set_stub(L, -1);
    lua_pop(L, 1);
    run(L, "assert(redis.configured() == true)\n"
           "expect({false}, redis.call('GET', 'k'))\n"
           "expect({'OK'}, redis.call('SET', 'k', 60.0, 'EX', 3600 // 60))\n"
           "expect({nil, 'WRONGTYPE no'}, redis.call('BAD'))\n"
           "expect({{false, {err = 'WRONGTYPE no'}, 'OK', false}},"
           " redis.pipeline{{'GET', 'a'}, {'BAD'}, {'SET', 'a', 1}, {'NONE'}})\n"
           "expect({nil, 'connection refused'},"
           " redis.pipeline{{'GET', 'a'}, {'DOWN'}})\n"
           "expect({'OK'}, redis.eval('return 1', {'k1', 'k2'}, {7, 'x'}))\n"
           "assert(seen[2] == 'SET k 60 EX 60', seen[2])\n"
           "assert(seen[#seen] == 'EVAL return 1 2 k1 k2 7 x', seen[#seen])\n");
    lua_pushnil(L);
    redis_lua_set_stub(L, -1);
    lua_pop(L, 1);
    run(L, "assert(redis.configured() == false)\n");
    assert_int_equal(resp_peer_count(f.peer, "*"), 0);
    fixture_close(&f);
}

/* test_replies - every reply type as Lua sees it, bytes kept */
static void
test_replies(void **state)
{
    struct fixture f;
    lua_State *L = fixture_open(&f, 0, 2, 4, 1 << 20);

    (void)state;
    run(L, "assert(redis.configured() == true)\n"
           "expect({'OK'}, redis.call('RAW', '+OK\\r\\n'))\n"
           "expect({'PONG'}, redis.call('PING'))\n"
           "expect({42}, redis.call('RAW', ':42\\r\\n'))\n"
           "expect({-9223372036854775807}, redis.call('RAW',"
           " ':-9223372036854775807\\r\\n'))\n"
           "expect({'a\\0b\\255'}, redis.call('RAW', '$4\\r\\na\\0b\\255\\r\\n'))\n"
           "expect({''}, redis.call('RAW', '$0\\r\\n\\r\\n'))\n"
           "expect({false}, redis.call('RAW', '$-1\\r\\n'))\n"
           "expect({false}, redis.call('RAW', '*-1\\r\\n'))\n"
           "expect({{}}, redis.call('RAW', '*0\\r\\n'))\n"
           "expect({nil, 'WRONGTYPE Operation against a key'},"
           " redis.call('RAW', '-WRONGTYPE Operation against a key\\r\\n'))\n"
           "expect({{1, 'ab', false, {'x', {7}}, {err = 'ERR inner'}, 'OK'}},"
           " redis.call('RAW', '*6\\r\\n:1\\r\\n$2\\r\\nab\\r\\n$-1\\r\\n'"
           " .. '*2\\r\\n$1\\r\\nx\\r\\n*1\\r\\n:7\\r\\n-ERR inner\\r\\n+OK\\r\\n'))\n"
           "expect({'\\0\\1\\2\\255'}, redis.call('ECHO', '\\0\\1\\2\\255'))\n"
           "expect({'60'}, redis.call('ECHO', 60))\n"
           "expect({'60'}, redis.call('ECHO', 3600 / 60))\n"
           "expect({'-0'}, redis.call('ECHO', '-0'))\n"
           "expect({'0'}, redis.call('ECHO', -0.0))\n"
           "expect({'1.5'}, redis.call('ECHO', 1.5))\n"
           "expect({'0.1'}, redis.call('ECHO', 0.1))\n"
           "expect({'9007199254740993'}, redis.call('ECHO', 9007199254740993))\n"
           "expect({'1e+300'}, redis.call('ECHO', 1e300))\n"
           "expect({'inf'}, redis.call('ECHO', math.huge))\n"
           "expect({'-inf'}, redis.call('ECHO', -math.huge))\n"
           "fails('argument #2 is NaN', redis.call, 'ECHO', 0/0)\n"
           "fails('not a boolean', redis.call, 'ECHO', true)\n"
           "fails('string (the command) expected', redis.call, 5)\n"
           "expect({'OK'}, redis.call('set', 'k', 'v'))\n");
    assert_int_equal(resp_peer_count(f.peer, "FLUSHALL"), 0);
    fixture_close(&f);
}

/* test_pipeline - replies in order, errors as {err = }, one round trip,
 * transactions balanced, misuse raised before anything is sent */
static void
test_pipeline(void **state)
{
    struct fixture f;
    lua_State *L = fixture_open(&f, 0, 2, 4, 1 << 20);

    (void)state;
    run(L, "redis.call('PING')\n"
           "expect({{1, {err = 'ERR no'}, false, 'v', 'OK'}}, redis.pipeline{\n"
           "  {'RAW', ':1\\r\\n'}, {'RAW', '-ERR no\\r\\n'}, {'RAW', '$-1\\r\\n'},\n"
           "  {'ECHO', 'v'}, {'SET', 'k', 60}})\n"
           "expect({5}, redis.call('STAT', 'BATCH'))\n"
           "expect({{}}, redis.pipeline{})\n"
           "expect({{'OK', 'OK', 'OK', 'OK'}}, redis.pipeline{{'MULTI'},"
           " {'INCR', 'n'}, {'EXPIRE', 'n', 60}, {'EXEC'}})\n"
           "local before = peer_count('*')\n"
           "fails('MULTI without EXEC or DISCARD', redis.pipeline,"
           " {{'MULTI'}, {'INCR', 'n'}})\n"
           "fails('KEYS is not allowed', redis.pipeline, {{'GET', 'a'},"
           " {'keys', '*'}})\n"
           "fails('pipeline command #2', redis.pipeline, {{'GET', 'a'},"
           " {'keys', '*'}})\n"
           "fails('command #2 must be a table', redis.pipeline, {{'GET'},"
           " 'GET'})\n"
           "fails('command #1 has no command name', redis.pipeline, {{}})\n"
           "fails('command #1 has no command name', redis.pipeline, {{1}})\n"
           "fails('argument #2 must be a string or a number, not a table',"
           " redis.pipeline, {{'GET', {}}})\n"
           "fails('table expected', redis.pipeline, 'GET')\n"
           "assert(peer_count('*') == before, 'misuse sent something')\n");
    fixture_close(&f);
}

/* test_eval - EVALSHA first; EVAL once when the server says NOSCRIPT */
static void
test_eval(void **state)
{
    struct fixture f;
    lua_State *L = fixture_open(&f, 0, 2, 4, 1 << 20);

    (void)state;
    run(L, "local s = 'return {KEYS[1], ARGV[1]}'\n"
           "expect({{'1', 'k', '60'}}, redis.eval(s, {'k'}, {60.0}))\n"
           "assert(peer_count('EVALSHA') == 1 and peer_count('EVAL') == 1)\n"
           "expect({{'1', 'k', 'x'}}, redis.eval(s, {'k'}, {'x'}))\n"
           "assert(peer_count('EVALSHA') == 2 and peer_count('EVAL') == 1)\n"
           "expect({{'0'}}, redis.eval('return 2'))\n"
           "expect({{'0', 'a'}}, redis.eval('return 2', nil, {'a'}))\n"
           "assert(peer_count('EVALSHA') == 4 and peer_count('EVAL') == 2)\n"
           "fails('table expected', redis.eval, s, 'k')\n"
           "fails('table expected', redis.eval, s, {}, 5)\n"
           "fails('string expected', redis.eval)\n"
           "fails('keys: argument #1 must be a string or a number',"
           " redis.eval, s, {{}})\n");
    fixture_close(&f);
}

/* test_timeouts - a silent server, a trickling one, a late reply that must
 * not answer the next command, and the callback budget */
static void
test_timeouts(void **state)
{
    struct fixture f;
    struct redis_pool_stats st;
    lua_State *L = fixture_open(&f, 0, 0.3, 4, 1 << 20);

    (void)state;
    run(L, "redis.call('PING')\n"
           "local t0 = now()\n"
           "starts('timeout', redis.call('LATE', '4', '+late\\r\\n'))\n"
           "assert(now() - t0 < 0.3 + 1, 'silent server held the call')\n"
           "t0 = now()\n"
           "starts('timeout', redis.call('TRICKLE', '0.1',"
           " '$30\\r\\n012345678901234567890123456789\\r\\n'))\n"
           "assert(now() - t0 < 0.3 + 1, 'a trickle stretched the call')\n"
           "starts('timeout', redis.call('LATE', '0.5', ':1\\r\\n'))\n"
           "local t1 = now() + 0.6\n"
           "while now() < t1 do end\n"
           "expect({2}, redis.call('RAW', ':2\\r\\n'))\n"
           "starts('timeout', redis.pipeline{{'PING'}, {'LATE', '4', '+x\\r\\n'}})\n"
           "set_left(0.005)\n"
           "local n = peer_count('*')\n"
           "expect({nil, 'budget'}, redis.call('PING'))\n"
           "expect({nil, 'budget'}, redis.pipeline{{'PING'}})\n"
           "expect({nil, 'budget'}, redis.eval('return 1'))\n"
           "assert(peer_count('*') == n, 'sent with no budget left')\n"
           "set_left(0.05)\n"
           "t0 = now()\n"
           "starts('timeout', redis.call('LATE', '4', '+late\\r\\n'))\n"
           "assert(now() - t0 < 0.05 + 0.2, 'the budget did not bound it')\n"
           "set_left(nil)\n"
           "expect({'PONG'}, redis.call('PING'))\n");
    redis_pool_stats(f.pool, &st);
    assert_true(st.dropped >= 4);
    assert_int_equal(st.down, 0);
    fixture_close(&f);
}

/* test_connection_failures - closed, broken framing, no server: fail fast
 * for a second (on the moved clock), then recover by itself */
static void
test_connection_failures(void **state)
{
    struct fixture f;
    struct redis_pool_stats st;
    unsigned long connects;
    lua_State *L = fixture_open(&f, 0, 1, 4, 1 << 20);

    (void)state;
    clock_shift = 0;
    run(L, "starts('connection closed by the server', redis.call('CLOSE'))\n"
           "starts('connection: protocol error', redis.call('RAW', '?x\\r\\n'))\n"
           "starts('connection: protocol error', redis.call('RAW',"
           " ':1\\r\\n:2\\r\\n'))\n"
           "expect({'PONG'}, redis.call('PING'))\n");
    resp_peer_stop(f.peer);
    run(L, "starts('connection', redis.call('PING'))\n"
           "starts('connection to unix:', redis.call('PING'))\n");
    redis_pool_stats(f.pool, &st);
    assert_int_equal(st.down, 1);
    assert_int_equal(st.connect_failures, 1);
    connects = st.connects;
    assert_non_null(strstr(last_log, "fail at once"));
    run(L, "local t0 = now()\n"
           "for i = 1, 50 do\n"
           "  local v, err = redis.call('PING')\n"
           "  starts('connection', v, err)\n"
           "  assert(err:find('down, next try in', 1, true), err)\n"
           "end\n"
           "assert(now() - t0 < 1, 'fail-fast calls were slow')\n");
    redis_pool_stats(f.pool, &st);
    assert_int_equal(st.connects, connects);
    assert_true(st.fast_failures >= 50);
    clock_shift += 1.1;
    run(L, "starts('connection to unix:', redis.call('PING'))\n");
    redis_pool_stats(f.pool, &st);
    assert_int_equal(st.connect_failures, 2);
    f.peer = resp_peer_start(sock_path, NULL);
    run(L, "starts('connection', redis.call('PING'))\n");   /* still down */
    clock_shift += 1.1;
    run(L, "expect({'PONG'}, redis.call('PING'))\n"
           "expect({'PONG'}, redis.call('PING'))\n");
    redis_pool_stats(f.pool, &st);
    assert_int_equal(st.down, 0);
    assert_non_null(strstr(last_log, "is back after 2 failed"));
    fixture_close(&f);
}

/* test_auth - AUTH and SELECT on each new connection; a wrong password is
 * a clear error and does not hammer the server */
static void
test_auth(void **state)
{
    struct resp_peer *peer = resp_peer_start(sock_path, "s3cret");
    char url[200];
    struct redis_pool *p;
    struct redis_pool_stats st;
    struct redis_kit_budget b;
    lua_State *L;

    (void)state;
    clock_shift = 0;
    snprintf(url, sizeof url, "unix:%s?password=wrong&db=2", sock_path);
    p = new_pool(url, 1, 4, 1 << 20);
    L = new_state(p, 0, &b, peer);
    run(L, "local v, err = redis.call('PING')\n"
           "starts('connection to unix:', v, err)\n"
           "assert(err:find('refused: AUTH: WRONGPASS', 1, true), err)\n"
           "assert(not err:find('wrong', 1, true), 'password in ' .. err)\n"
           "for i = 1, 20 do starts('connection', redis.call('PING')) end\n");
    redis_pool_stats(p, &st);
    assert_int_equal(st.connects, 1);
    assert_int_equal(resp_peer_count(peer, "AUTH"), 1);
    lua_close(L);
    redis_pool_release(p);
    snprintf(url, sizeof url, "unix:%s?password=s3cret&db=2", sock_path);
    p = new_pool(url, 1, 4, 1 << 20);
    L = new_state(p, 0, &b, peer);
    run(L, "expect({'x'}, redis.call('ECHO', 'x'))\n"
           "expect({'y'}, redis.call('ECHO', 'y'))\n");
    assert_int_equal(resp_peer_count(peer, "AUTH"), 2);
    assert_int_equal(resp_peer_count(peer, "SELECT"), 2);
    assert_int_equal(resp_peer_count(peer, "PING"), 0);
    lua_close(L);
    redis_pool_release(p);
    resp_peer_stop(peer);
}

/* test_too_large - the reply cap on the wire and in memory; the
 * connection is dropped, the next call works */
static void
test_too_large(void **state)
{
    struct fixture f;
    struct redis_pool_stats st;
    lua_State *L = fixture_open(&f, 0, 2, 4, 64 << 10);

    (void)state;
    run(L, "assert(#redis.call('BIG', '60000') == 60000)\n"
           "expect({nil, 'reply too large'}, redis.call('BIG', '70000'))\n"
           "expect({nil, 'reply too large'}, redis.call('BIG', '5000000'))\n"
           "expect({nil, 'reply too large'}, redis.call('RAW',"
           " '*2147483647\\r\\n'))\n"
           "starts('timeout', redis.call('RAW', '$2147483647\\r\\n'))\n"
           "expect({nil, 'reply too large'}, redis.call('RAW',"
           " string.rep(':1\\r\\n', 0) .. '*5000\\r\\n' .. string.rep(':1\\r\\n',"
           " 5000)))\n"
           "expect({nil, 'reply too large'}, redis.pipeline{{'BIG', '40000'},"
           " {'BIG', '40000'}})\n"
           "expect({'PONG'}, redis.call('PING'))\n");
    redis_pool_stats(f.pool, &st);
    assert_int_equal(st.dropped, 6);
    assert_non_null(strstr(last_log, "over redis_max_reply (65536 bytes)"));
    fixture_close(&f);
}

struct holder {
    struct redis_pool *pool;
    const char *code;
    char err[256];
};

/* hold_thread - run code in its own state on the shared pool */
static void *
hold_thread(void *arg)
{
    struct holder *h = arg;
    struct redis_kit_budget b;
    struct redis_lua_env env = {h->pool, 0, redis_kit_time_left, &b, NULL};
    lua_State *L = luaL_newstate();

    b.left = NAN;
    luaL_openlibs(L);
    redis_lua_setup(L, &env);
    luaL_requiref(L, "milter.redis", luaopen_milter_redis, 0);
    lua_setglobal(L, "redis");
    if (luaL_dostring(L, h->code) != LUA_OK)
        snprintf(h->err, sizeof h->err, "%s", lua_tostring(L, -1));
    lua_close(L);
    return NULL;
}

/* test_pool_limit - redis_connections = 1: a second caller waits for the
 * busy connection until its own deadline, then gets it once freed */
static void
test_pool_limit(void **state)
{
    struct resp_peer *peer = resp_peer_start(sock_path, NULL);
    struct redis_pool *p = new_pool(peer_url(), 3, 1, 1 << 20);
    struct redis_pool_stats st;
    struct holder h = {p, "assert(redis.call('LATE', '1', '+slow\\r\\n')"
                          " == 'slow')", ""};
    struct redis_kit_budget b;
    lua_State *L = new_state(p, 0, &b, peer);
    pthread_t t;

    (void)state;
    run(L, "expect({'PONG'}, redis.call('PING'))\n");
    pthread_create(&t, NULL, hold_thread, &h);
    run(L, "local t1 = now() + 5\n"
           "while peer_count('LATE') == 0 and now() < t1 do end\n"
           "set_left(0.2)\n"
           "local t0 = now()\n"
           "local v, err = redis.call('PING')\n"
           "starts('timeout waiting for a free connection', v, err)\n"
           "assert(err:find('all 1 busy', 1, true), err)\n"
           "assert(now() - t0 < 0.2 + 0.5, 'waited past the deadline')\n"
           "set_left(nil)\n"
           "expect({'PONG'}, redis.call('PING'))\n");
    pthread_join(t, NULL);
    assert_string_equal(h.err, "");
    redis_pool_stats(p, &st);
    assert_int_equal(st.peak_open, 1);
    assert_int_equal(st.wait_timeouts, 1);
    lua_close(L);
    redis_pool_release(p);
    resp_peer_stop(peer);
}

struct limited {
    size_t used, limit;
};

/* limited_alloc - a Lua allocator with a ceiling, like memory_limit */
static void *
limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct limited *m = ud;
    size_t old = ptr != NULL ? osize : 0;
    void *q;

    if (nsize == 0) {
        free(ptr);
        m->used -= old;
        return NULL;
    }
    if (nsize > old && m->used + (nsize - old) > m->limit)
        return NULL;
    q = realloc(ptr, nsize);
    if (q != NULL)
        m->used += nsize - old;
    return q;
}

/* test_memory_error - a reply too big for the state's memory raises while
 * it is mapped; the hiredis reply is freed all the same (ASan checks) */
static void
test_memory_error(void **state)
{
    struct resp_peer *peer = resp_peer_start(sock_path, NULL);
    struct redis_pool *p = new_pool(peer_url(), 2, 2, 8 << 20);
    struct limited m = {0, 1 << 20};
    struct redis_kit_budget b = {NAN};
    struct redis_lua_env env = {p, 0, redis_kit_time_left, &b, NULL};
    lua_State *L = lua_newstate(limited_alloc, &m);

    (void)state;
    luaL_openlibs(L);
    redis_lua_setup(L, &env);
    luaL_requiref(L, "milter.redis", luaopen_milter_redis, 0);
    lua_setglobal(L, "redis");
    run(L, "big = '*20000\\r\\n' .. string.rep('$5\\r\\nabcde\\r\\n', 20000)\n"
           "collectgarbage()\n");
    m.limit = m.used + (256 << 10);
    run(L, "local ok, err = pcall(redis.call, 'RAW', big)\n"
           "assert(not ok and tostring(err):find('memory'), tostring(err))\n"
           "big = nil\n");
    m.limit = 1u << 30;
    run(L, "collectgarbage()\n");
    m.limit = m.used + (256 << 10);
    run(L, "local ok, err = pcall(redis.pipeline, {{'RAW', ':1\\r\\n'},"
           " {'BIG', '400000'}})\n"
           "assert(not ok and tostring(err):find('memory'), tostring(err))\n");
    m.limit = 1u << 30;
    run(L, "collectgarbage()\n"
           "assert(redis.call('PING') == 'PONG')\n");
    lua_close(L);
    redis_pool_release(p);
    resp_peer_stop(peer);
}

/* main - run the Redis client tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_sha1),
        cmocka_unit_test(test_refused_commands),
        cmocka_unit_test(test_unconfigured),
        cmocka_unit_test(test_policy_test_mode),
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_connection_failures),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_pool_limit),
        cmocka_unit_test(test_memory_error),
    };

    snprintf(sock_path, sizeof sock_path, "/tmp/lm-redis-unit-%ld.sock",
             (long)getpid());
    return cmocka_run_group_tests(tests, NULL, NULL);
}
