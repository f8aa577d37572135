/*
 * milterlib.h - the process-level libmilter calls of the daemon.
 *
 * Registering the callbacks, the listening socket, timeouts and the
 * accept loop: everything libmilter does for the process rather than for
 * one connection (those go through the per-connection backend,
 * mta_libmilter.h).  Functions return MI_SUCCESS or MI_FAILURE.
 */
#ifndef LUAMILTER_MILTERLIB_H
#define LUAMILTER_MILTERLIB_H

#include <libmilter/mfapi.h>

int milterlib_register(struct smfiDesc *desc);
int milterlib_setconn(const char *spec);
int milterlib_settimeout(int seconds);
int milterlib_setbacklog(int backlog);
int milterlib_opensocket(int remove_stale);
int milterlib_main(void);
void milterlib_version(unsigned *major, unsigned *minor, unsigned *patch);

#endif
