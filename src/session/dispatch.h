/*
 * dispatch.h - the session's entry points, whatever the MTA.
 *
 * The libmilter adapter (callbacks.c) and the transaction driver
 * (driver.c) call these with a connection and a stage's arguments.  Each
 * runs the policy's method for the stage through the engine (with one
 * enter/leave of the call context) and turns the result into what the
 * MTA may be told at that stage.  A failing policy gets the configured
 * on_error verdict, at once or, for a reply-less stage, at the next stage
 * that can carry it.  Statuses are libmilter's SMFIS_*.
 */
#ifndef LUAMILTER_DISPATCH_H
#define LUAMILTER_DISPATCH_H

#include "stage.h"

struct conn;
struct event;

int session_negotiate(struct conn *c, const unsigned long offer[4],
                      unsigned long *actions, unsigned long *protocol);
int session_stage(struct conn *c, enum stage st, const struct event *ev);
void session_close(struct conn *c);
int session_replies(const struct conn *c, enum stage st);

#endif
