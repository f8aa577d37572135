/*
 * redis_module.h - milter.redis on the module pattern: the keys redis,
 * redis_timeout, redis_connections and redis_max_reply in the one config
 * table, the daemon's pool (made at start when `redis` is set, replaced
 * at a SIGHUP that changes a key, the old one draining by reference,
 * released at stop), and each state's binding: the pool for live
 * connections (and replay --live-io), the test's stub or "redis is not
 * available in policy tests" for any other state.
 */
#ifndef LUAMILTER_REDIS_MODULE_H
#define LUAMILTER_REDIS_MODULE_H

#include "module.h"

extern struct module redis_module;

#endif
