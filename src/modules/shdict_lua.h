/*
 * shdict_lua.h - the Lua binding of the shared dictionaries:
 * `local shared = require "milter.shared"`, `shared.NAME:get(key)` and the
 * other methods of docs/modules/shdict.md.
 *
 * Wiring: before a state can require the module, the caller binds it to
 * the set of dictionaries it may see with shdict_lua_bind (the daemon's
 * set for connection states; a fresh set per run for milter.test, replay
 * and in-policy tests), then registers luaopen_milter_shared (for example
 * in package.preload).  A state that was never bound opens a module with
 * no dictionary.  The set must outlive the state.  No lua_allow word is
 * needed: a dictionary reaches only the daemon's own memory.
 *
 * Errors: misuse (bad self, a key that is not a string or longer than
 * 64 KiB, a value of another type, a bad ttl, an unknown NAME) raises a Lua
 * error; outcomes (not found, exists, no memory, not a number) are returned
 * as nil/false and a message, as ngx.shared.DICT does.  No dictionary lock
 * is held while Lua may raise or allocate.
 */
#ifndef LUAMILTER_SHDICT_LUA_H
#define LUAMILTER_SHDICT_LUA_H

#include <lua.h>

#include "shdict_set.h"

#define SHDICT_LUA_DICT "milter.shared.dict"    /* the userdata's __name */
#define SHDICT_LUA_KEYS_DEFAULT 1024            /* get_keys() without max */

void shdict_lua_bind(lua_State *L, struct shdict_set *set);
int luaopen_milter_shared(lua_State *L);

#endif
