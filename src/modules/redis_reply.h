/*
 * redis_reply.h - hiredis replies into Lua values.
 *
 * The mapping is Redis's own for Lua scripts, except that a status reply
 * is a plain string ("OK", not {ok = "OK"}):
 *   integer -> integer, bulk and status -> string (bytes), nil bulk or nil
 *   array -> false, array -> table (nested as deep as hiredis allows),
 *   error -> {err = text} inside an array or a pipeline (the binding gives
 *   a top-level error as nil, text).
 * Replies wait in a box, a userdata whose __gc frees them: building the
 * Lua value may raise (memory_limit) and must not leak what hiredis holds.
 */
#ifndef LUAMILTER_REDIS_REPLY_H
#define LUAMILTER_REDIS_REPLY_H

#include <hiredis/hiredis.h>
#include <lua.h>

redisReply **redis_reply_box(lua_State *L, int n);
void redis_reply_box_clear(redisReply **box, int n);
void redis_reply_push(lua_State *L, const redisReply *r);
void redis_reply_push_error(lua_State *L, const char *text, size_t len);

#endif
