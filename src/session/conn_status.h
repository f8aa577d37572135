/*
 * conn_status.h - what /connections shows of each open connection: the
 * session keeps its client, HELO, current or last stage and when it
 * began, messages begun; the HTTP thread reads them with
 * conn_status_each, without a lock the callbacks hold.
 */
#ifndef LUAMILTER_CONN_STATUS_H
#define LUAMILTER_CONN_STATUS_H

#include "stage.h"

struct conn;

void conn_status_stage(struct conn *c, enum stage st);
void conn_status_helo(struct conn *c, const char *helo);
void conn_status_client(struct conn *c);
void conn_status_install(void);

#endif
