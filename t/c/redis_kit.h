/*
 * redis_kit.h - what the Redis client's unit test and its real-server
 * driver (t/redis/redis_driver.c) both give their Lua states: a budget the
 * test sets (redis_lua_env.time_left) and the monotonic clock.
 */
#ifndef REDIS_KIT_H
#define REDIS_KIT_H

#include <lua.h>

/* seconds left of a pretend callback budget; NAN: no budget running */
struct redis_kit_budget {
    double left;
};

double redis_kit_time_left(lua_State *L, void *ud);
int redis_kit_set_left(lua_State *L);
int redis_kit_now(lua_State *L);

#endif
