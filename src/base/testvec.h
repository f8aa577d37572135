/*
 * testvec.h - the message file of a test, read into a Lua string.
 *
 * An in-policy test's `file` names a message kept next to the script: it
 * is resolved relative to the script's directory and must stay inside it
 * once '..' and symlinks are resolved (an absolute path is refused).  The
 * file is opened without blocking (a FIFO or a device never stalls a
 * check), must be a regular file and at most TESTVEC_MAX bytes.  Errors
 * name the path as the test wrote it and what is wrong with it, never the
 * file's bytes.
 */
#ifndef LUAMILTER_TESTVEC_H
#define LUAMILTER_TESTVEC_H

#include <stddef.h>

#define TESTVEC_MAX ((size_t)64 << 20)      /* 64 MiB */

struct lua_State;

char *testvec_resolve(const char *dir, const char *path, char *err,
                      size_t errlen);
int testvec_push(struct lua_State *L, const char *path);
int testvec_push_in(struct lua_State *L, const char *dir, const char *path);

#endif
