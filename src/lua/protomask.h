/*
 * protomask.h - Policy:protocol_mask(), pymilter's protocol_mask().
 *
 * The mask of SMFIP_* bits luamilter clears from the MTA's protocol offer
 * for a class: the negotiated word is exactly the offer with those bits
 * cleared.  milter.Base.protocol_mask computes it from the class's shape
 * (negotiate_mask); a class that defines its own protocol_mask changes what
 * is negotiated.
 */
#ifndef LUAMILTER_PROTOMASK_H
#define LUAMILTER_PROTOMASK_H

#include <stddef.h>

struct lconn;
struct lua_State;

int protomask_lua(struct lua_State *L);
int protomask_for(struct lconn *c, unsigned long *mask, char *err,
                  size_t errlen);

#endif
