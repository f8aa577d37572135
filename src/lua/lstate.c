/*
 * lstate.c - a connection's Lua state: its allocator, memory accounting and
 * owner (see lconn.h).
 */
#include "lconn.h"
#include "budget.h"
#include "log.h"
#include "memtotal.h"
#include "mta.h"

#include <lauxlib.h>
#include <pthread.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LSTATE_ERR_MAX 8192

static const char owner_key = 'o';     /* registry key: the struct lconn */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lconn *watched;          /* states the watchdog looks at */

/* release - free a block of old bytes, from the arena or the heap */
static void
release(struct lconn *c, void *ptr, size_t old)
{
    if (old <= ARENA_MAX)
        arena_free(&c->arena, ptr, old);
    else
        free(ptr);
}

/* retry_seen - the first growth after a refusal: unless it is the same
 * request granted (Lua's emergency collection made room), the refusal was
 * raised as an error */
static void
retry_seen(struct lconn *c, void *ptr, size_t old, size_t nsize)
{
    if (ptr != c->mem_retry.ptr || old != c->mem_retry.old ||
        nsize != c->mem_retry.size)
        c->mem_error = 1;
    c->mem_retry.pending = 0;
}

/* refused - the allocator says no to this request (by: MEM_BY_*) */
static void *
refused(struct lconn *c, void *ptr, size_t old, size_t nsize, int by)
{
    c->mem_refused = by;
    if (c->mem_retry.pending)       /* the last one was not retried, or its
                                     * retry is refused too */
        c->mem_error = 1;
    c->mem_retry.ptr = ptr;
    c->mem_retry.old = old;
    c->mem_retry.size = nsize;
    c->mem_retry.pending = 1;
    return NULL;
}

/* give_back - return the part of memory_total's pool c no longer needs
 * (more than two chunks above what it holds) */
static void
give_back(struct lconn *c)
{
    if (c->mem_reserved > c->mem_used + 2 * MEMTOTAL_CHUNK)
        memtotal_shrink(&c->mem_reserved, c->mem_used + MEMTOTAL_CHUNK);
}

/* conn_alloc - lua_Alloc of a connection's state: small objects from its
 * arena, the rest from the heap; counts the bytes and enforces
 * memory_limit and memory_total */
static void *
conn_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct lconn *c = ud;
    size_t old = ptr != NULL ? osize : 0;
    size_t need = c->mem_used - old + nsize;
    void *p;

    if (nsize == 0) {
        if (ptr != NULL)
            release(c, ptr, old);
        c->mem_used -= old;
        give_back(c);
        return NULL;
    }
    if (nsize > old) {
        if (c->mem_limit != 0 && need > c->mem_limit)
            return refused(c, ptr, old, nsize, MEM_BY_LIMIT);
        if (need > c->mem_reserved && c->mem_in_total &&
            memtotal_grow(&c->mem_reserved, need) < 0)
            return refused(c, ptr, old, nsize, MEM_BY_TOTAL);
    }
    if (nsize > old && c->mem_retry.pending)    /* Lua retries after a
                                                 * collection */
        retry_seen(c, ptr, old, nsize);
    if (nsize > old && nsize >= BUDGET_BIG_ALLOC)
        budget_alloc_check(c);
    if (ptr != NULL && old <= ARENA_MAX && nsize <= ARENA_MAX &&
        arena_class(old) == arena_class(nsize)) {
        p = ptr;                                /* same size class */
    } else if (ptr != NULL && old > ARENA_MAX && nsize > ARENA_MAX) {
        p = realloc(ptr, nsize);
    } else {
        p = nsize <= ARENA_MAX ? arena_alloc(&c->arena, nsize)
                               : malloc(nsize);
        if (p != NULL && ptr != NULL) {
            memcpy(p, ptr, old < nsize ? old : nsize);
            release(c, ptr, old);
        }
    }
    if (p != NULL) {
        c->mem_used = need;
        if (nsize < old)
            give_back(c);
    }
    return p;
}

/* lstate_limit_note - what a failed call ran into, for the log */
void
lstate_limit_note(struct lconn *c, char *err, size_t errlen)
{
    char tmp[LSTATE_ERR_MAX];

    if (c->mem_refused == MEM_BY_LIMIT) {
        snprintf(tmp, sizeof tmp, "memory_limit (%zu bytes) exceeded: %s",
                 c->mem_limit, err);
        snprintf(err, errlen, "%s", tmp);
    } else if (c->mem_refused == MEM_BY_TOTAL) {
        snprintf(tmp, sizeof tmp, "memory_total (%zu bytes, all "
                 "connections together) exceeded: %s", memtotal_limit(), err);
        snprintf(err, errlen, "%s", tmp);
    }
}

/* panic_handler - last resort; unreachable while every call is protected */
static int
panic_handler(lua_State *L)
{
    log_err("Lua panic outside a protected call: %s",
            lua_tostring(L, -1) != NULL ? lua_tostring(L, -1) : "?");
    abort();
    return 0;
}

/* warn_handler - route Lua warnings (warn(), errors in __gc) to the log,
 * one line per warning however many pieces it comes in; control messages
 * ("@on", "@off") are not logged */
static void
warn_handler(void *ud, const char *msg, int tocont)
{
    static __thread char line[512];
    static __thread size_t used;
    size_t n = strlen(msg);

    (void)ud;
    if (used == 0 && !tocont && msg[0] == '@')
        return;
    if (n > sizeof line - 1 - used)
        n = sizeof line - 1 - used;
    memcpy(line + used, msg, n);
    used += n;
    line[used] = '\0';
    if (tocont)
        return;
    log_warn("Lua warning: %s", line);
    used = 0;
}

/* lstate_new - the Lua state of c, with c's allocator and as its owner;
 * NULL and a message when there is no memory for it */
lua_State *
lstate_new(struct lconn *c, char *err, size_t errlen)
{
    lua_State *L = lua_newstate(conn_alloc, c);

    if (L == NULL) {
        arena_destroy(&c->arena);
        snprintf(err, errlen, "cannot create a Lua state (out of memory)");
        return NULL;
    }
    lua_atpanic(L, panic_handler);
    lua_setwarnf(L, warn_handler, NULL);
    c->L = L;
    return L;
}

/* set_owner - record c under the owner key (protected: may allocate) */
static int
set_owner(lua_State *L)
{
    lua_pushlightuserdata(L, lua_touserdata(L, 1));
    lua_rawsetp(L, LUA_REGISTRYINDEX, &owner_key);
    return 0;
}

/* lstate_set_owner - make c the owner that lstate_owner finds in L */
int
lstate_set_owner(lua_State *L, struct lconn *c)
{
    lua_pushcfunction(L, set_owner);
    lua_pushlightuserdata(L, c);
    return lua_pcall(L, 1, 0, 0);
}

/* lstate_owner - the lconn whose state L (or a coroutine of it) is; NULL
 * for a state not made by lstate_new */
struct lconn *
lstate_owner(lua_State *L)
{
    void *ud;
    struct lconn *c;

    if (lua_getallocf(L, &ud) != conn_alloc)
        return NULL;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &owner_key);
    c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return c != NULL ? c : ud;
}

/* lstate_close - close c's state and free its arena */
void
lstate_close(struct lconn *c)
{
    if (c->L != NULL) {
        lua_close(c->L);
        arena_destroy(&c->arena);
        c->L = NULL;
    }
    memtotal_shrink(&c->mem_reserved, 0);
}

/* lconn_queue_id - the MTA's queue id if known, else NULL */
const char *
lconn_queue_id(struct lconn *c)
{
    const char *qid;

    if (c->stage < ST_ENVFROM || c->stage == ST_CLOSE)
        return NULL;
    if (c->qid[0] != '\0')
        return c->qid;
    qid = mta_getsymval(&c->mta, "i");
    if (qid == NULL || *qid == '\0')
        return NULL;
    snprintf(c->qid, sizeof c->qid, "%s", qid);
    return c->qid;
}

/* lstate_watch - list c among the states the watchdog looks at: every
 * connection's, and the check state of a new script */
void
lstate_watch(struct lconn *c)
{
    pthread_mutex_lock(&watch_lock);
    if (!c->watched) {
        c->watch_prev = NULL;
        c->watch_next = watched;
        if (watched != NULL)
            watched->watch_prev = c;
        watched = c;
        c->watched = 1;
    }
    pthread_mutex_unlock(&watch_lock);
}

/* lstate_unwatch - take c off that list */
void
lstate_unwatch(struct lconn *c)
{
    pthread_mutex_lock(&watch_lock);
    if (c->watched) {
        if (c->watch_prev != NULL)
            c->watch_prev->watch_next = c->watch_next;
        else
            watched = c->watch_next;
        if (c->watch_next != NULL)
            c->watch_next->watch_prev = c->watch_prev;
        c->watched = 0;
    }
    pthread_mutex_unlock(&watch_lock);
}

/* lstate_each_watched - call fn on every watched state, the list locked
 * (none can be unwatched meanwhile; fn must not block) */
void
lstate_each_watched(void (*fn)(struct lconn *c, void *ud), void *ud)
{
    struct lconn *c;

    pthread_mutex_lock(&watch_lock);
    for (c = watched; c != NULL; c = c->watch_next)
        fn(c, ud);
    pthread_mutex_unlock(&watch_lock);
}

/* lconn_tag - how log lines name c: "conn#N", with the queue id once it
 * is known ("conn#N QUEUEID"); written into buf */
const char *
lconn_tag(struct lconn *c, char *buf, size_t len)
{
    const char *qid = lconn_queue_id(c);

    snprintf(buf, len, "conn#%lu%s%s", c->id, qid != NULL ? " " : "",
             qid != NULL ? qid : "");
    return buf;
}

/* lconn_note_reply - remember the reply set at this stage, for the
 * message's result line (its text literal, as the client reads it; more
 * lines are only counted) */
void
lconn_note_reply(struct lconn *c, const char *rcode, const char *xcode,
                 const char *text, int nlines)
{
    char more[32] = "";

    if (nlines > 1)
        snprintf(more, sizeof more, " (and %d more lines)", nlines - 1);
    snprintf(c->stage_reply, sizeof c->stage_reply, "%s%s%s%s%s%s", rcode,
             xcode ? " " : "", xcode ? xcode : "", text ? " " : "",
             text ? text : "", more);
}
