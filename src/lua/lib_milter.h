/*
 * lib_milter.h - the `milter` library (lua/milter.lua) as a module: its
 * bytecode, compiled once with each script generation, opened by require.
 */
#ifndef LUAMILTER_LIB_MILTER_H
#define LUAMILTER_LIB_MILTER_H

#include "module.h"

extern struct module lib_milter_module;

#endif
