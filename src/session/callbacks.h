/*
 * callbacks.h - the libmilter callback table.
 *
 * Every xxfi_* callback is registered.  Each finds (or creates) the
 * connection, runs the policy's method for the stage through the engine,
 * and turns the result into what libmilter may send at that stage.  A
 * failing policy gets the configured on_error verdict, at once or, for a
 * reply-less stage, at the next stage that can carry it.
 */
#ifndef LUAMILTER_CALLBACKS_H
#define LUAMILTER_CALLBACKS_H

#include <libmilter/mfapi.h>

void callbacks_fill(struct smfiDesc *desc);
void callbacks_on_negotiate(void (*fn)(void));

#endif
