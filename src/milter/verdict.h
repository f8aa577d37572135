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

#include <stddef.h>

#include "stage.h"

int verdict_from_code(long long code);
int verdict_from_name(const char *name);
const char *verdict_name(int status);
const char *verdict_word(int status);
int verdict_for_stage(int status, enum stage st, unsigned long protocol,
                      int *ignored);
struct fixed_reply;
int verdict_on_error(int on_error, const struct fixed_reply *custom,
                     const char **rcode, const char **xcode,
                     const char **text);
void verdict_on_error_reply(int on_error, const struct fixed_reply *custom,
                            char *buf, size_t len);
void verdict_reply_text(const char *rcode, const char *xcode,
                        const char *text, char *buf, size_t len);

#endif
