/*
 * shdict_set.h - the daemon's shared dictionaries: the `shared_dict = NAME
 * SIZE` declarations, and the set of dictionaries made from them.
 *
 * Declarations are parsed into a struct shdict_decls (one per config
 * load).  shdict_set_apply makes the set match them: at start it creates
 * every one; on a reload it creates the added ones and logs that removing
 * or resizing one takes a restart, keeping it as it is, so a reloaded
 * script sees the same data.  Dictionaries are never freed before the set
 * (a pointer from shdict_set_find or shdict_set_at stays valid until
 * shdict_set_free), so Lua states may hold them.
 *
 * Wiring: the caller owns the set, gives it a clock (NULL: monotonic) and a
 * logger, and frees it after the last Lua state that uses it and after
 * shdict_housekeeper_stop.  milter.test, replay and in-policy tests make a
 * fresh set from the same declarations, with the clock they move.
 */
#ifndef LUAMILTER_SHDICT_SET_H
#define LUAMILTER_SHDICT_SET_H

#include <stddef.h>

#include "shdict.h"

/* one declaration */
struct shdict_decl {
    char name[SHDICT_NAME_MAX + 1];
    size_t size;
    char where[256];            /* "FILE:LINE" when known, else "" */
};

/* the declarations of one config load */
struct shdict_decls {
    struct shdict_decl *v;
    size_t n, cap;
};

/* a log line; level as log.h's enum log_level (0 err, 1 warn, 2 notice,
 * 3 info); msg has no trailing newline */
typedef void (*shdict_log_fn)(void *ud, int level, const char *msg);

#define SHDICT_LOG_ERR 0
#define SHDICT_LOG_WARN 1
#define SHDICT_LOG_NOTICE 2
#define SHDICT_LOG_INFO 3

int shdict_decl_parse(const char *value, char *name, size_t *size,
                      char *err, size_t errlen);
int shdict_decls_add(struct shdict_decls *ds, const char *value,
                     const char *file, int line, char *err, size_t errlen);
void shdict_decls_free(struct shdict_decls *ds);
void shdict_format_size(size_t size, char *buf, size_t len);

struct shdict_set;

struct shdict_set *shdict_set_new(const struct shdict_clock *clock,
                                  shdict_log_fn log, void *log_ud);
int shdict_set_apply(struct shdict_set *s, const struct shdict_decls *ds,
                     char *err, size_t errlen);
struct shdict *shdict_set_find(struct shdict_set *s, const char *name,
                               size_t len);
struct shdict *shdict_set_at(struct shdict_set *s, size_t i);
void shdict_set_names(struct shdict_set *s, char *buf, size_t len);
void shdict_set_free(struct shdict_set *s);

#endif
