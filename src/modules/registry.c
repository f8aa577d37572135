/*
 * registry.c - every module a policy may require, one line each.  Adding
 * a module is its own .c/.h pair in this folder, one line here, its tests
 * and its docs (docs/modules.md).
 */
#include "dns.h"
#include "lib_milter.h"
#include "metrics.h"
#include "module.h"
#include "redis_module.h"
#include "shdict_module.h"
#include "tables_module.h"

struct module *const module_registry[] = {
    &lib_milter_module,         /* milter: the library policies build on */
    &shdict_module,             /* milter.shared: shared dictionaries */
    &redis_module,              /* milter.redis: a Redis for several hosts */
    &dns_module,                /* milter.dns: DNS lookups */
    &tables_module,             /* milter.tables: Postfix lookup tables */
    &metrics_module,            /* milter.metrics: Prometheus, HTTP */
    NULL
};
