/*
 * callbacks.h - the libmilter adapter: the xxfi_* callback table.
 *
 * Every xxfi_* callback is registered.  Each decodes libmilter's
 * arguments into an event, finds (or, at the first callback, makes) the
 * connection behind the SMFICTX, and hands both to the session
 * (dispatch.h); the connection's actions go back through the libmilter
 * backend (mta_libmilter.h).  Only the daemon links this file.
 */
#ifndef LUAMILTER_CALLBACKS_H
#define LUAMILTER_CALLBACKS_H

#include <libmilter/mfapi.h>

void callbacks_fill(struct smfiDesc *desc);
void callbacks_on_negotiate(void (*fn)(void));

#endif
