/*
 * shdict_keeper.h - the housekeeping thread of the shared dictionaries:
 * every interval it sweeps expired entries out of each dictionary of a
 * set, in steps of SHDICT_SWEEP_STEP entries (one lock hold each), at most
 * SHDICT_SWEEP_STEPS steps per dictionary and SHDICT_SWEEP_SECONDS per
 * pass, so memory held by dead keys is given back without waiting for a
 * write, and neither a lock hold nor a pass is unbounded.  A pass that
 * stopped at a bound is followed by the next one after SHDICT_SWEEP_AGAIN
 * seconds.
 *
 * Wiring: start it after the set is made (it follows dictionaries added
 * by later reloads), stop it before shdict_set_free.  Its thread blocks
 * every signal.
 */
#ifndef LUAMILTER_SHDICT_KEEPER_H
#define LUAMILTER_SHDICT_KEEPER_H

#include <stddef.h>

#include "shdict_set.h"

#define SHDICT_SWEEP_STEP 256
#define SHDICT_SWEEP_STEPS 64
#define SHDICT_SWEEP_SECONDS 0.05
#define SHDICT_SWEEP_AGAIN 0.01

struct shdict_keeper;

size_t shdict_set_sweep(struct shdict_set *s, size_t step, size_t steps,
                        double max_seconds, int *more);
struct shdict_keeper *shdict_housekeeper_start(struct shdict_set *s,
                                               double interval);
void shdict_housekeeper_stop(struct shdict_keeper *k);

#endif
