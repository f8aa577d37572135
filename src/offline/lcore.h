/*
 * lcore.h - the milter.core Lua module (see lcore.c).
 */
#ifndef LUAMILTER_LCORE_H
#define LUAMILTER_LCORE_H

struct lua_State;

int luaopen_milter_core(struct lua_State *L);

/* milter.core on the module pattern: a tool module, never preloaded into
 * a policy's state (it can make states and read files) */
struct module;
extern struct module lcore_module;

#endif
