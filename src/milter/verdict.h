/*
 * verdict.h - policy return values mapped to libmilter statuses.
 *
 * A callback may return nil (continue), a milter status constant or its
 * lower-case name.  The result is then fitted to the stage: a stage the MTA
 * was told not to wait for gets SMFIS_NOREPLY, NOREPLY elsewhere becomes
 * CONTINUE (libmilter would otherwise send nothing and the MTA would hang),
 * and SKIP is kept only in body when the MTA understands it.
 */
#ifndef LUAMILTER_VERDICT_H
#define LUAMILTER_VERDICT_H

#include "stage.h"

int verdict_from_code(long long code);
int verdict_from_name(const char *name);
const char *verdict_name(int status);
const char *verdict_word(int status);
int verdict_for_stage(int status, enum stage st, unsigned long protocol,
                      int *ignored);
int verdict_on_error(int on_error, const char **rcode, const char **xcode,
                     const char **text);

#endif
