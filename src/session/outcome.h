/*
 * outcome.h - what became of each message and connection, for the log.
 *
 * The callbacks report every stage's final status here.  At info level,
 * each message gets one line with its result (delivered, quarantined,
 * discarded, rejected, tempfailed, or aborted by the MTA), the stage that
 * decided it and the reply the client got; a refused recipient and a
 * connection refused or accepted as a whole get a line too.  Every line
 * starts with the connection number and, once known, the queue id, so
 * that grep on a queue id tells a message's whole story.
 */
#ifndef LUAMILTER_OUTCOME_H
#define LUAMILTER_OUTCOME_H

#include "stage.h"

struct conn;
struct event;

void outcome_stage_start(struct conn *c, enum stage st);
void outcome_reply(struct conn *c, const char *rcode, const char *xcode,
                   const char *text, int nlines);
unsigned long outcome_messages(void);
void outcome_stage_end(struct conn *c, enum stage st, int status,
                       const struct event *ev);

#endif
