/*
 * lenv.h - the driver's input read from Lua values: a transaction's
 * environment (an in-policy test vector, milter.test's env table) and one
 * stage's arguments (a method's, or an entry of a test's `stages`).
 *
 * Fields are read raw (no metamethod runs), and every string the driver
 * will use is kept alive in an anchor table held in the registry, so that
 * the policy (which may reach a test vector of its own class) cannot free
 * a string the driver is reading by changing the table meanwhile.
 * Bad input never raises: errors come back as text.  lenv_copy copies
 * plain data from one state into another (test expectations, stubs).
 */
#ifndef LUAMILTER_LENV_H
#define LUAMILTER_LENV_H

#include <stddef.h>

#include "driver.h"
#include "engine.h"

struct lua_State;

#define LENV_MAX_RCPTS 256
#define LENV_MAX_MACROS 64
#define LENV_MAX_ARGS 32
#define LENV_COPY_DEPTH 16  /* how deep lenv_copy copies tables */

/* strings kept alive while the driver runs */
struct lanchor {
    struct lua_State *L;
    int ref;                /* registry reference of the anchor table */
    int n;
};

/* a transaction's environment */
struct lenv {
    struct driver_env env;
    const char *rcpts[LENV_MAX_RCPTS];
    struct driver_macro macros[LENV_MAX_MACROS];
};

/* one stage's arguments */
struct lstep {
    enum stage st;
    struct event ev;
    char *argv[LENV_MAX_ARGS + 2];  /* envfrom, envrcpt */
};

int lanchor_open(struct lanchor *a, struct lua_State *L);
void lanchor_close(struct lanchor *a);
const char *lanchor_string(struct lanchor *a, int idx, size_t *len);
int lenv_read(struct lanchor *a, int idx, struct lenv *e, char *err,
              size_t errlen);
int lenv_stage(struct lanchor *a, enum stage st, int first, int n,
               struct lstep *out, char *err, size_t errlen);
int lenv_stage_by_name(const char *name);
void lenv_copy(struct lua_State *L, int idx, struct lua_State *J, int depth);

#endif
