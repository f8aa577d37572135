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

struct conn;
struct script;

enum ev_kind {
    EV_NIL = 0,
    EV_STR,     /* s, len: bytes */
    EV_INT,     /* i */
    EV_ADDR     /* s: address text, i: port -> {ip, port} */
};

struct ev_arg {
    int kind;
    const char *s;
    size_t len;
    long long i;
};

/* the arguments of one callback */
struct event {
    int argc;
    struct ev_arg argv[4];
    char **strv;        /* NULL-terminated strings after argv, may be NULL */
};

struct call_result {
    int status;         /* SMFIS_* (SMFIS_ALL_OPTS allowed in negotiate) */
    int nextra;         /* negotiate: how many of extra[] were returned */
    long long extra[2]; /* negotiate: actions, protocol */
};

int engine_open(struct conn *c, char *err, size_t errlen);
void engine_close(struct conn *c);
int engine_check(struct script *s, char *err, size_t errlen);
int engine_call(struct conn *c, enum stage st, const struct event *ev,
                struct call_result *res);
int engine_apply_symlists(struct conn *c);
void engine_log_error(struct conn *c, enum stage st, const char *msg);

#endif
