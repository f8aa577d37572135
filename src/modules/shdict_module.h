/*
 * shdict_module.h - milter.shared on the module pattern: the
 * `shared_dict = NAME SIZE` key, the daemon's set of dictionaries (made at
 * start, reconciled at each SIGHUP, swept by the housekeeper, freed at
 * stop) and, for test runs, a fresh set per run on the run's clock.
 */
#ifndef LUAMILTER_SHDICT_MODULE_H
#define LUAMILTER_SHDICT_MODULE_H

#include "module.h"

extern struct module shdict_module;

#define SHDICT_SWEEP_INTERVAL 1.0   /* seconds between housekeeper passes */

struct shdict_set *shdict_module_daemon_set(void);

#endif
