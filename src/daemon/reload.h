/*
 * reload.h - SIGHUP reloads on a thread of their own, bounded in time.
 *
 * Reading the configuration, compiling and checking the script and running
 * its tests can take long, or never end (a library call the time budget
 * cannot interrupt, an open(2) that blocks).  So a reload runs on its own
 * detached thread, and the signal thread never waits for it: it asks
 * (reload_request), enforces reload_timeout (reload_tick, while a reload
 * runs) and, on SIGTERM, abandons it (reload_stop).  An abandoned reload's
 * thread is left to finish on its own; its result is discarded.
 *
 * A SIGHUP while a reload runs is merged into one more reload that follows
 * it (or follows its refusal at reload_timeout).  At most RELOAD_MAX_STUCK
 * abandoned reloads may still be running; past that, SIGHUP is refused.
 */
#ifndef LUAMILTER_RELOAD_H
#define LUAMILTER_RELOAD_H

#include <stddef.h>

#define RELOAD_MAX_STUCK 4

/* what a reload does, supplied by the daemon */
struct reload_ops {
    /* on the reload thread: read and check everything; a candidate to
     * commit, or NULL and the line to log in err */
    void *(*prepare)(char *err, size_t errlen);
    /* with the reload lock held, if the reload is still wanted: make the
     * candidate current (takes it over) */
    void (*commit)(void *candidate);
    /* free a candidate that is not committed */
    void (*discard)(void *candidate);
    /* reload_timeout in seconds (called with the reload lock held, so a
     * commit cannot change it meanwhile) */
    double (*timeout)(void);
    /* with the reload lock held, after each reload ends, committed or
     * not (may be NULL) */
    void (*finished)(void);
};

void reload_setup(const struct reload_ops *ops);
void reload_request(void);
int reload_tick(void);
int reload_stop(const char *signame);

#endif
