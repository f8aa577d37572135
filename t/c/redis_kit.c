/*
 * redis_kit.c - a settable budget and the clock for Redis client tests
 * (see redis_kit.h).
 */
#include "redis_kit.h"

#include <lauxlib.h>
#include <math.h>

#include "monotime.h"

/* redis_kit_time_left - redis_lua_env.time_left over a redis_kit_budget */
double
redis_kit_time_left(lua_State *L, void *ud)
{
    struct redis_kit_budget *b = ud;

    (void)L;
    return isnan(b->left) ? HUGE_VAL : b->left;
}

/* redis_kit_set_left - Lua: set the budget (upvalue 1) to seconds, or nil
 * for none */
int
redis_kit_set_left(lua_State *L)
{
    struct redis_kit_budget *b = lua_touserdata(L, lua_upvalueindex(1));

    b->left = luaL_optnumber(L, 1, NAN);
    return 0;
}

/* redis_kit_now - Lua: monotonic seconds */
int
redis_kit_now(lua_State *L)
{
    lua_pushnumber(L, mono_now());
    return 1;
}
