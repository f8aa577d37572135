/*
 * policy_kit.h - policies for the unit tests of the Lua layer.
 *
 * A policy is written to a scratch directory and loaded with chosen limits
 * the way the daemon loads it (script_load), published, and driven through
 * the session's entry points (dispatch.h, as the libmilter adapter and the
 * driver call them) on a connection whose MTA backend the test chooses
 * (t/c/mta_fake.c's, or the recorder of src/milter/record.c).  The log lines it causes
 * can be captured, and every test can be bounded in time.
 */
#ifndef LUAMILTER_POLICY_KIT_H
#define LUAMILTER_POLICY_KIT_H

#include <stddef.h>

#include "mta.h"
#include "stage.h"

struct conn;
struct script;

/* the config keys a policy is loaded with */
struct kit_limits {
    double callback_timeout;    /* seconds, 0 = none */
    size_t memory_limit;        /* bytes, 0 = none */
    unsigned lua_allow;         /* CONFIG_ALLOW_* bits */
    const char *lua_path;       /* NULL: none */
};

int kit_setup(void **state);
int kit_teardown(void **state);
const char *kit_dir(void);
const char *kit_write(const char *file, const char *text);
struct script *kit_load(const char *src, const struct kit_limits *lim,
                        char *err, size_t errlen);
struct script *kit_publish(const char *src, const struct kit_limits *lim);
struct conn *kit_use(const char *src, const struct kit_limits *lim,
                     struct mta mta);
int kit_envfrom(struct conn *c, const char *from);
int kit_envrcpt(struct conn *c, const char *rcpt);
int kit_bare(struct conn *c, enum stage st);
void kit_close(struct conn *c);
void kit_log_capture(void);
const char *kit_log(void);
void kit_log_has(const char *text);
void kit_log_none_at(int level);
void kit_bound(unsigned seconds, const char *what);

#endif
