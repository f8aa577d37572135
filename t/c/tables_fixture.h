/*
 * tables_fixture.h - helpers for the milter.tables unit tests: a private
 * directory for table files, tables from text, lookups as strings.
 */
#ifndef LUAMILTER_TABLES_FIXTURE_H
#define LUAMILTER_TABLES_FIXTURE_H

#include <stddef.h>

#include "tables_table.h"

const char *fx_dir(void);
char *fx_write(const char *name, const char *text, int age_s);
struct table *fx_table(enum table_type type, const char *text);
const char *fx_lookup(const struct table *t, const char *key);
const char *fx_lookup_n(const struct table *t, const char *key, size_t len);
void fx_bad(enum table_type type, const char *text, const char *needle);

#endif
