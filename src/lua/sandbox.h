/*
 * sandbox.h - the standard library a policy gets.
 *
 * By default: base (without dofile and loadfile, load of text chunks only,
 * print writing to the log), coroutine, string, table, math, utf8, a
 * trimmed os (time, clock, date, difftime, getenv), and require limited to
 * lua_path and luamilter's own library.  The config key lua_allow grants
 * more (io, os, debug, load, cmodules, syspath).  Using something denied
 * raises an error that names the lua_allow word granting it.
 */
#ifndef LUAMILTER_SANDBOX_H
#define LUAMILTER_SANDBOX_H

struct lua_State;

void sandbox_open(struct lua_State *L, unsigned allow, const char *path);

#endif
