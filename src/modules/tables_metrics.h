/*
 * tables_metrics.h - the metrics of milter.tables (luamilter_table_*):
 * lookups of live connections by table name and result, their latency,
 * files read again by result, and the rules of each table the serving
 * generation names (read at each scrape).
 */
#ifndef LUAMILTER_TABLES_METRICS_H
#define LUAMILTER_TABLES_METRICS_H

#include "tables.h"
#include "tables_lua.h"

/* the meter of live connections' hosts */
extern const struct tables_meter tables_metrics_meter;

void tables_metrics_start(const struct tables_set *(*serving)(void *ud,
                                                              void **ref),
                          void (*done)(void *ref));
void tables_metrics_reread(void *ud, int ok);

#endif
