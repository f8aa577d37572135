/*
 * libcache.h - luamilter's own Lua modules (lua/milter/NAME.lua: milter.ip,
 * milter.addr, ...) compiled once per script generation instead of once
 * per connection.
 *
 * A connection's `require "milter.ip"` used to read and compile the file
 * in every new Lua state, which cost as much CPU as the rest of a short
 * connection.  The generation now holds each module's bytecode; Lua's
 * file searcher is wrapped: it asks package.searchpath where the module
 * is, and when that is the library's own file it loads the generation's
 * bytecode instead (same chunk name, same arguments, line information
 * kept).  Any other file, a module earlier in lua_path included, goes to
 * Lua's own searcher, so what require finds does not change.
 */
#ifndef LUAMILTER_LIBCACHE_H
#define LUAMILTER_LIBCACHE_H

struct lua_State;
struct script;

void libcache_install(struct lua_State *L, const struct script *s);

#endif
