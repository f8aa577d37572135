/*
 * dns.h - the milter.dns module: DNS lookups from Lua (docs/lua-api.md).
 *
 * Live connections ask the configured servers through one shared
 * libunbound context (dns_resolver.h); in-policy tests and replay answer
 * from stubs (dns_stub.h) and never touch the network.  Every wait is
 * bounded by dns_timeout and by what is left of the running callback's
 * time budget, which the core reports through dns_remaining.
 */
#ifndef LUAMILTER_DNS_H
#define LUAMILTER_DNS_H

#include "module.h"

struct lua_State;

extern struct module dns_module;

/*
 * The seconds left of the callback running in L (its callback_timeout
 * budget), or a negative number for no limit: budget_remaining (a test
 * harness may put its own clock here).
 */
extern double (*dns_remaining)(struct lua_State *L);

/* cancel the lookups a state sent for the message and still has running
 * (the module's stage hook does it at abort; lookups sent at connect and
 * helo run on; close cancels everything when the state is closed) */
void dns_cancel_pending(struct lua_State *L);

/* open milter.dns outside the daemon (busted through milter/core.so):
 * stub answers, default keys */
int luaopen_milter_dns(struct lua_State *L);

#endif
