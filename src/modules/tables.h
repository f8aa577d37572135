/*
 * tables.h - milter.tables: named lookup tables, loaded once, shared by
 * every connection, reloaded when their files change.
 *
 * A registry (one per process) holds one slot per table file (TYPE:PATH):
 * the version last loaded, swapped atomically for a new one when the file
 * is read again.  A set (one per script generation) names slots: the
 * config's "table = NAME TYPE:PATH" lines and the class's Policy.tables
 * declarations.  Two names of one file share one slot, one copy in memory.
 * Sets are immutable once a Lua state uses them (tables_set_add is for
 * building one), reference counted; a slot lives while a set names it.
 *
 * A lookup takes the slot's current version with a reference
 * (tables_set_acquire) and drops it when done (table_unref): it sees one
 * version, whatever a reload does meanwhile, and never waits for a load.
 * A holder may keep the version for later lookups while tables_set_gen
 * still says what tables_set_acquire said (no lock, no shared write).
 *
 * Reading: tables_set_add loads a file the registry has not loaded yet (at
 * start: a failure stops startup; at SIGHUP: the reload fails and the old
 * generation goes on).  tables_reg_reload reads again the files that
 * changed (force: all of them, for SIGHUP); the watcher thread calls it
 * every check_interval seconds.  A file that fails to parse keeps the old
 * version and logs "PATH:LINE: what is wrong" (once per bad version).
 * A file that was modified less than a second ago is left for the next
 * check, so a table is not read half written (rename(2) a new file into
 * place to update one at once).
 *
 *   tables_reg_new, tables_reg_free, tables_reg_reload,
 *   tables_reg_set_interval
 *   tables_watch_start, tables_watch_stop          (tables_watch.c)
 *   tables_set_new, tables_set_add, tables_set_ref, tables_set_unref,
 *   tables_set_count, tables_set_name, tables_set_find, tables_set_acquire,
 *   tables_set_gen
 *   tables_config_line, tables_name_valid
 *
 * Depends on tables_table.c (and through it the table types), pthreads.
 */
#ifndef LUAMILTER_TABLES_H
#define LUAMILTER_TABLES_H

#include <pthread.h>
#include <stddef.h>

#include "tables_table.h"

enum tables_log_level { TABLES_LOG_ERR, TABLES_LOG_WARN, TABLES_LOG_INFO };

/* what the registry needs from the daemon; copied by tables_reg_new */
struct tables_env {
    /* seconds on a monotonic clock (NULL: CLOCK_MONOTONIC); tests move it */
    double (*now)(void *ud);
    /* one log line (NULL: stderr) */
    void (*log)(void *ud, int level, const char *line);
    void *ud;
    /* table_check: seconds between looks at a file (0: only when forced) */
    double check_interval;
    /* a file was read again: ok 1, or 0 it failed (the old version stays);
     * called with the registry's lock held: it must only count; NULL:
     * nothing counts */
    void (*reread)(void *ud, int ok);
};

/* flags of tables_set_add */
#define TABLES_CONFINE 1u   /* PATH relative, below base_dir (Policy.tables) */
#define TABLES_KEEP 2u      /* a NAME the set has already stays as it is */
#define TABLES_REREAD 4u    /* a file the registry has is read again now if
                             * it changed (SIGHUP), once per set */

struct tables_reg;
struct tables_set;

struct tables_reg *tables_reg_new(const struct tables_env *env);
void tables_reg_free(struct tables_reg *reg);
int tables_reg_reload(struct tables_reg *reg, int force);
void tables_reg_set_interval(struct tables_reg *reg, double seconds);

int tables_watch_start(struct tables_reg *reg, char *err, size_t errlen);
void tables_watch_stop(struct tables_reg *reg);

struct tables_set *tables_set_new(struct tables_reg *reg);
int tables_set_add(struct tables_set *s, const char *name, const char *spec,
                   const char *base_dir, unsigned flags, char *err,
                   size_t errlen);
void tables_set_ref(struct tables_set *s);
void tables_set_unref(struct tables_set *s);
size_t tables_set_count(const struct tables_set *s);
const char *tables_set_name(const struct tables_set *s, size_t i);
const char *tables_set_spec(const struct tables_set *s, size_t i);
long tables_set_find(const struct tables_set *s, const char *name,
                     size_t len);
struct table *tables_set_acquire(const struct tables_set *s, size_t i,
                                 unsigned long *gen);
unsigned long tables_set_gen(const struct tables_set *s, size_t i);

#define TABLES_NAME_MAX 64
int tables_name_valid(const char *name, size_t len);
int tables_config_line(const char *value, char *name, size_t namecap,
                       const char **spec, char *err, size_t errlen);

/* for tables_watch.c: the registry's watcher state */
struct tables_watch {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int running, stopping;
};
struct tables_watch *tables_reg_watch(struct tables_reg *reg);
double tables_reg_interval(struct tables_reg *reg);

#endif
