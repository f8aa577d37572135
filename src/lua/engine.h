/*
 * engine.h - the Lua side of a connection.
 *
 * Creates a connection's Lua state from its script generation, and runs
 * every call into Lua through one protected call site (engine_pcall) with a
 * traceback handler: no Lua error ever reaches a libmilter frame.
 */
#ifndef LUAMILTER_ENGINE_H
#define LUAMILTER_ENGINE_H

#include <stddef.h>

#include "stage.h"

struct lconn;
struct policy_shape;
struct script;
struct lua_State;

enum ev_kind {
    EV_NIL = 0,
    EV_STR,     /* s, len: bytes */
    EV_INT,     /* i */
    EV_ADDR,    /* s: address text, i: port -> {ip, port} */
    EV_ADDR6    /* the same and flowinfo, scope_id -> {ip, port, flowinfo,
                 * scope_id}, as pymilter's inet6 4-tuple */
};

struct ev_arg {
    int kind;
    const char *s;
    size_t len;
    long long i;
    long long flowinfo, scope_id;   /* EV_ADDR6 */
};

/* the arguments of one callback */
struct event {
    int argc;
    struct ev_arg argv[4];
    char **strv;        /* NULL-terminated strings after argv, may be NULL */
    char text[128];     /* room for an argument's text (connect's address
                         * or socket path), so an event owns it */
};

struct call_result {
    int status;         /* SMFIS_* (SMFIS_ALL_OPTS allowed in negotiate) */
    int nextra;         /* negotiate: how many of extra[] were returned */
    long long extra[2]; /* negotiate: actions, protocol */
};

/* the __name of a connection object's metatable (self) */
#define ENGINE_SELF_NAME "luamilter.connection"

int engine_pcall(struct lua_State *L, int (*fn)(struct lua_State *),
                 void *ud, char *err, size_t errlen);
/* engine_open's answer when not even an empty Lua state could be made */
#define ENGINE_NO_STATE (-2)
int engine_open(struct lconn *c, char *err, size_t errlen);
void engine_close(struct lconn *c);
int engine_check(struct script *s, char *err, size_t errlen);
int engine_call(struct lconn *c, enum stage st, const struct event *ev,
                struct call_result *res, char *err, size_t errlen);
int engine_apply_symlists(struct lconn *c, char *err, size_t errlen);
int engine_protected(struct lconn *c, enum stage st,
                     int (*fn)(struct lua_State *), void *ud, char *err,
                     size_t errlen);
void engine_read_shape(struct lua_State *L, int cls, struct policy_shape *ps,
                       int validate);
void engine_bind(struct lua_State *L, struct lconn *c, int cls);

/*
 * The in-policy test runner engine_check calls with the checked state of
 * generation s (set by the daemon and replay; unit tests leave it unset).
 * It returns 0 when the class's tests pass (or it has none), -1 with a
 * message otherwise.
 */
typedef int (*engine_tester)(struct lconn *check, struct script *s,
                             char *err, size_t errlen);
void engine_set_tester(engine_tester fn);
void engine_unbind(struct lconn *c);

#endif
