/*
 * lvector.h - one test run through the driver: an in-policy test vector,
 * or milter.test's t:message and t:stages.
 *
 * Reading (lvector_read, in the Lua state holding the vector) takes every
 * value the run needs, anchored (lenv.h): the message text, or the bytes
 * of its `file`, or the `stages` entries; the environment; `on_error`.
 * Running (lvector_run) then only feeds the driver, which reports to a
 * result (lresult.h).
 *
 * Vector fields: message (the text), file (a path: confined to a
 * directory for in-policy tests, see testvec.h), stages ({stage, args...}
 * entries run one by one; the result is then the last one's), on_error,
 * on_error_reply (as the config key), and the environment fields of
 * lenv_read.
 */
#ifndef LUAMILTER_LVECTOR_H
#define LUAMILTER_LVECTOR_H

#include <stddef.h>

#include "lenv.h"
#include "reply.h"

struct driver;
struct lresult;

#define LVECTOR_MAX_STEPS 256

struct lvector {
    struct lenv env;
    const char *msg;        /* the message's bytes, NULL with stages */
    size_t msglen;
    struct lstep *steps;    /* stages (malloc), NULL with a message */
    size_t nsteps;
    int on_error;           /* enum on_error, -1: the connection's */
    int has_reply;          /* on_error_reply was given: */
    struct fixed_reply on_error_reply;
};

int lvector_read(struct lanchor *a, int tc, const char *dir, int confine,
                 struct lvector *v, char *err, size_t errlen);
int lvector_message(struct lanchor *a, int msg, int env, struct lvector *v,
                    char *err, size_t errlen);
int lvector_run(struct driver *d, const struct lvector *v,
                struct fixed_reply *keep, struct lresult *r, char *err,
                size_t errlen);
void lvector_free(struct lvector *v);
int lvector_on_error(const char *word);

#endif
