/*
 * lcore.h - the milter.core Lua module (see lcore.c).
 */
#ifndef LUAMILTER_LCORE_H
#define LUAMILTER_LCORE_H

struct lua_State;

int luaopen_milter_core(struct lua_State *L);

#endif
