/*
 * redis_reply.c - hiredis replies into Lua values (see redis_reply.h).
 */
#include "redis_reply.h"

#include <lauxlib.h>
#include <string.h>

#define REPLY_BOX "milter.redis.replies"

/* a box of n reply pointers; NULL slots are empty */
struct reply_box {
    int n;
    redisReply *r[];
};

/* box_gc - __gc: free what a raise left in the box */
static int
box_gc(lua_State *L)
{
    struct reply_box *b = luaL_checkudata(L, 1, REPLY_BOX);

    redis_reply_box_clear(b->r, b->n);
    return 0;
}

/* redis_reply_box - push a box for n replies (all NULL) and return its
 * slots */
redisReply **
redis_reply_box(lua_State *L, int n)
{
    struct reply_box *b;
    size_t slots = (size_t)(n > 0 ? n : 1);
    int i;

    b = lua_newuserdatauv(L, sizeof *b + slots * sizeof b->r[0], 0);
    b->n = 0;
    if (luaL_newmetatable(L, REPLY_BOX)) {              /* box, mt */
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);                            /* box */
    for (i = 0; i < n; i++)
        b->r[i] = NULL;
    b->n = n;
    return b->r;
}

/* redis_reply_box_clear - free the replies in a box's n slots */
void
redis_reply_box_clear(redisReply **box, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (box[i] != NULL)
            freeReplyObject(box[i]);
        box[i] = NULL;
    }
}

/* redis_reply_push_error - push {err = text} */
void
redis_reply_push_error(lua_State *L, const char *text, size_t len)
{
    lua_createtable(L, 0, 1);
    lua_pushlstring(L, text, len);
    lua_setfield(L, -2, "err");
}

/* redis_reply_push - push the Lua value of r */
void
redis_reply_push(lua_State *L, const redisReply *r)
{
    size_t i;

    luaL_checkstack(L, 4, "redis reply nested too deep");
    switch (r->type) {
    case REDIS_REPLY_INTEGER:
        lua_pushinteger(L, (lua_Integer)r->integer);
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        lua_pushlstring(L, r->str, r->len);
        break;
    case REDIS_REPLY_ERROR:
        redis_reply_push_error(L, r->str, r->len);
        break;
    case REDIS_REPLY_ARRAY:
        lua_createtable(L, r->elements > (size_t)0x7fffffff ? 0
                        : (int)r->elements, 0);
        for (i = 0; i < r->elements; i++) {
            redis_reply_push(L, r->element[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    default:                    /* REDIS_REPLY_NIL */
        lua_pushboolean(L, 0);
        break;
    }
}
