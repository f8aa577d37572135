/*
 * paths.h - where luamilter finds its Lua library and resolves paths.
 */
#ifndef LUAMILTER_PATHS_H
#define LUAMILTER_PATHS_H

#include <stddef.h>

const char *paths_libdir(void);
char *paths_relative_to(const char *base_file, const char *path);
char *paths_dir_of(const char *file);

#endif
