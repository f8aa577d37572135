/*
 * tables_module.h - the milter.tables module: Postfix lookup tables from
 * the config's "table = NAME TYPE:PATH" lines and the class's
 * Policy.tables, loaded once and shared by every connection (tables.h,
 * tables_lua.h; docs/lua-api.md).
 */
#ifndef LUAMILTER_TABLES_MODULE_H
#define LUAMILTER_TABLES_MODULE_H

#include "module.h"

extern struct module tables_module;

#endif
