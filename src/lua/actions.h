/*
 * actions.h - the action methods a policy calls on self.
 *
 * One Lua function per libmilter primitive (getsymval, setreply, addheader,
 * chgheader, addrcpt, delrcpt, replacebody, chgfrom, quarantine, progress,
 * setsmlist) plus log.  Each checks that it runs inside a callback of its
 * own connection, at a stage where libmilter allows it, with an action the
 * MTA granted, and with valid arguments; misuse raises a Lua error saying
 * what was wrong.
 */
#ifndef LUAMILTER_ACTIONS_H
#define LUAMILTER_ACTIONS_H

struct lua_State;

struct lconn;

void actions_push(struct lua_State *L);
struct lconn **actions_slot(struct lua_State *L);

#endif
