/*
 * mta_libmilter.h - the libmilter backend of the MTA seam (see mta.h).
 *
 * Its context is the connection's SMFICTX; every request becomes the
 * smfi_* call of the same name.  Only the daemon links it (with
 * libmilter); milter.core, the unit tests and the fuzz harness do not.
 */
#ifndef LUAMILTER_MTA_LIBMILTER_H
#define LUAMILTER_MTA_LIBMILTER_H

#include <libmilter/mfapi.h>

#include "mta.h"

struct mta mta_libmilter(SMFICTX *ctx);

#endif
