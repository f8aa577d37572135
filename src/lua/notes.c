/*
 * notes.c - the notes a policy makes with self:note (see notes.h).
 */
#include "notes.h"
#include "lconn.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

/* scalar_ok - whether the value at idx can be a note's (or an item's) */
static int
scalar_ok(lua_State *L, int idx)
{
    int t = lua_type(L, idx);

    return t == LUA_TSTRING || t == LUA_TNUMBER || t == LUA_TBOOLEAN;
}

/* check_value - raise unless the value at idx is a scalar or an array of
 * them (keys 1..n, nothing else); its item count, -1 for a scalar */
static lua_Integer
check_value(lua_State *L, int idx)
{
    lua_Integer n, i;
    size_t count = 0;

    if (scalar_ok(L, idx))
        return -1;
    if (!lua_istable(L, idx))
        return luaL_error(L, "note: the value is a %s; give a string, a "
                          "number, a boolean, or an array of them",
                          luaL_typename(L, idx));
    n = (lua_Integer)lua_rawlen(L, idx);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        if (!scalar_ok(L, -1))
            return luaL_error(L, "note: item %d of the array is a %s; "
                              "items are strings, numbers or booleans",
                              (int)i, luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        count++;
    }
    if (count != (size_t)n)
        return luaL_error(L, "note: the table is not an array (it has keys "
                          "other than 1..%d)", (int)n);
    return n;
}

/* free_note - release what a note holds */
static void
free_note(struct note *n)
{
    size_t i;

    for (i = 0; i < n->n; i++)
        free(n->v[i].s);
    free(n->v);
    n->v = NULL;
    n->n = 0;
}

/* fill_scalar - the scalar at idx into sc; -1 when out of memory */
static int
fill_scalar(lua_State *L, int idx, struct note_scalar *sc)
{
    memset(sc, 0, sizeof *sc);
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        sc->kind = NOTE_BOOL;
        sc->i = lua_toboolean(L, idx);
        return 0;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            sc->kind = NOTE_INT;
            sc->i = (long long)lua_tointeger(L, idx);
        } else {
            sc->kind = NOTE_NUM;
            sc->d = (double)lua_tonumber(L, idx);
        }
        return 0;
    default: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        sc->kind = NOTE_STR;
        sc->full_len = len;
        sc->len = len > NOTE_STR_MAX ? NOTE_STR_MAX : len;
        sc->s = malloc(sc->len + 1);
        if (sc->s == NULL)
            return -1;
        memcpy(sc->s, s, sc->len);
        sc->s[sc->len] = '\0';
        return 0;
    }
    }
}

/* fill_note - the value at idx (items: -1 for a scalar) into n; -1 when
 * out of memory (n then holds nothing) */
static int
fill_note(lua_State *L, int idx, lua_Integer items, struct note *n)
{
    size_t i, keep;

    n->array = items >= 0;
    n->given = items >= 0 ? (size_t)items : 1;
    keep = n->given > NOTE_ITEMS_MAX ? NOTE_ITEMS_MAX : n->given;
    n->n = 0;
    n->v = keep > 0 ? calloc(keep, sizeof *n->v) : NULL;
    if (keep > 0 && n->v == NULL)
        return -1;
    for (i = 0; i < keep; i++) {
        int rc;
        if (items >= 0)
            lua_rawgeti(L, idx, (lua_Integer)i + 1);
        rc = fill_scalar(L, items >= 0 ? -1 : idx, &n->v[i]);
        if (items >= 0)
            lua_pop(L, 1);
        if (rc < 0) {
            free_note(n);
            return -1;
        }
        n->n++;
    }
    return 0;
}

/* in_message - whether a note now belongs to the message */
static int
in_message(const struct lconn *c)
{
    return c->stage >= ST_ENVFROM && c->stage <= ST_ABORT;
}

/* find - the note of key in set, or NULL */
static struct note *
find(struct note_set *set, const char *key)
{
    size_t i;

    for (i = 0; i < set->n; i++)
        if (strcmp(set->items[i].key, key) == 0)
            return &set->items[i];
    return NULL;
}

/* notes_note - self:note(key, value) on c (checked by the caller): keep
 * it in the message's or the connection's notes; raises on a bad key or
 * value, past NOTES_MAX keys, or out of memory */
int
notes_note(lua_State *L, struct lconn *c)
{
    size_t klen;
    const char *key = luaL_checklstring(L, 2, &klen);
    lua_Integer items;
    struct note fresh, *slot;
    struct note_set *set;

    if (klen == 0 || klen > NOTE_KEY_MAX || memchr(key, '\0', klen) != NULL)
        return luaL_error(L, "note: the key must be a string of 1 to %d "
                          "bytes without NUL", NOTE_KEY_MAX);
    luaL_checkany(L, 3);
    items = check_value(L, 3);
    if (c->notes == NULL) {
        c->notes = calloc(1, sizeof *c->notes);
        if (c->notes == NULL)
            return luaL_error(L, "note: out of memory");
    }
    set = in_message(c) ? &c->notes->msg : &c->notes->conn;
    slot = find(set, key);
    if (slot == NULL && set->n >= NOTES_MAX)
        return luaL_error(L, "note: more than %d notes in this %s", NOTES_MAX,
                          in_message(c) ? "message" : "connection");
    memset(&fresh, 0, sizeof fresh);
    memcpy(fresh.key, key, klen);
    if (fill_note(L, 3, items, &fresh) < 0)
        return luaL_error(L, "note: out of memory");
    if (slot != NULL)
        free_note(slot);
    else
        slot = &set->items[set->n++];
    *slot = fresh;
    lua_pushboolean(L, 1);
    return 1;
}

/* clear - drop every note of a set */
static void
clear(struct note_set *set)
{
    size_t i;

    for (i = 0; i < set->n; i++)
        free_note(&set->items[i]);
    set->n = 0;
}

/* notes_message_begin - a new message: its notes start empty */
void
notes_message_begin(struct lconn *c)
{
    if (c->notes != NULL)
        clear(&c->notes->msg);
}

/* notes_session_begin - a new SMTP session on the same milter connection
 * (after QUIT_NC): the previous one's notes are gone */
void
notes_session_begin(struct lconn *c)
{
    if (c->notes != NULL) {
        clear(&c->notes->conn);
        clear(&c->notes->msg);
    }
}

/* notes_free - release every note of c */
void
notes_free(struct lconn *c)
{
    if (c->notes == NULL)
        return;
    clear(&c->notes->conn);
    clear(&c->notes->msg);
    free(c->notes);
    c->notes = NULL;
}

/* notes_each - call fn for each note in force (see notes.h) */
void
notes_each(const struct lconn *c, void (*fn)(const struct note *n, void *ud),
           void *ud)
{
    size_t i;

    if (c->notes == NULL)
        return;
    for (i = 0; i < c->notes->conn.n; i++)
        if (find(&c->notes->msg, c->notes->conn.items[i].key) == NULL)
            fn(&c->notes->conn.items[i], ud);
    for (i = 0; i < c->notes->msg.n; i++)
        fn(&c->notes->msg.items[i], ud);
}

/* notes_count - how many notes notes_each would give */
size_t
notes_count(const struct lconn *c)
{
    size_t i, n;

    if (c->notes == NULL)
        return 0;
    n = c->notes->msg.n;
    for (i = 0; i < c->notes->conn.n; i++)
        if (find(&c->notes->msg, c->notes->conn.items[i].key) == NULL)
            n++;
    return n;
}
