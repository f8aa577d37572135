/*
 * protomask.c - the protocol mask of a policy class (see protomask.h).
 */
#include "protomask.h"
#include "lconn.h"
#include "engine.h"
#include "negotiate.h"

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

/* push_class - the class of the table at idx: a connection object's class
 * (what its metatable's __index leads to), else the table itself */
static void
push_class(lua_State *L, int idx)
{
    const char *name;

    if (!lua_getmetatable(L, idx)) {
        lua_pushvalue(L, idx);
        return;
    }
    lua_getfield(L, -1, "__name");
    name = lua_tostring(L, -1);
    if (name == NULL || strcmp(name, ENGINE_SELF_NAME) != 0) {
        lua_pop(L, 2);
        lua_pushvalue(L, idx);
        return;
    }
    lua_getfield(L, -2, "__index");             /* mt name index */
    if (lua_iscfunction(L, -1))
        lua_getupvalue(L, -1, 1);               /* self_index's class */
    else
        lua_pushvalue(L, -1);
    lua_replace(L, -4);
    lua_pop(L, 2);                              /* class */
}

/* protomask_lua - Class:protocol_mask(): the SMFIP_* bits luamilter clears
 * from the MTA's offer for this class (self, or the class of a connection
 * object), from what the class defines and declares */
int
protomask_lua(lua_State *L)
{
    struct policy_shape ps;

    luaL_checktype(L, 1, LUA_TTABLE);
    push_class(L, 1);
    engine_read_shape(L, lua_gettop(L), &ps, 0);
    lua_pushinteger(L, (lua_Integer)negotiate_mask(&ps));
    return 1;
}

struct mask_call {
    struct lconn *c;
    unsigned long mask;
};

/* class_mask - protected: the connection's class's protocol_mask(), the
 * built-in one computed without a call */
static int
class_mask(lua_State *L)
{
    struct mask_call *m = lua_touserdata(L, 1);

    lua_rawgeti(L, LUA_REGISTRYINDEX, m->c->class_ref);
    lua_getfield(L, -1, "protocol_mask");       /* cls fn */
    if (lua_isnil(L, -1) || lua_tocfunction(L, -1) == protomask_lua) {
        m->mask = negotiate_mask(&m->c->shape);
        return 0;
    }
    if (!lua_isfunction(L, -1))
        return luaL_error(L, "protocol_mask must be a method returning a bit "
                          "mask, got %s", luaL_typename(L, -1));
    lua_pushvalue(L, -2);                       /* the class is self */
    lua_call(L, 1, 1);
    if (!lua_isinteger(L, -1))
        return luaL_error(L, "protocol_mask() must return an integer bit "
                          "mask (the SMFIP_* bits to clear), got %s",
                          luaL_typename(L, -1));
    m->mask = (unsigned long)lua_tointeger(L, -1) & NEGOTIATE_PROTO_ALL;
    return 0;
}

/* protomask_for - the bits to clear from the MTA's protocol offer for c's
 * class (c->stage set); 0, or -1 with the error in err */
int
protomask_for(struct lconn *c, unsigned long *mask, char *err, size_t errlen)
{
    struct mask_call m;

    m.c = c;
    m.mask = negotiate_mask(&c->shape);
    if (c->L == NULL) {
        *mask = m.mask;
        return 0;
    }
    if (engine_protected(c, ST_NEGOTIATE, class_mask, &m, err, errlen) < 0)
        return -1;
    *mask = m.mask;
    return 0;
}
