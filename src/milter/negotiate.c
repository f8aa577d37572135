/*
 * negotiate.c - negotiation words derived from a policy shape (negotiate.h).
 */
#include "negotiate.h"
#include "stage.h"

#include <libmilter/mfapi.h>

/* negotiate_mask - the protocol bits luamilter clears from the MTA's
 * offer for a class of this shape: all but those it asks for (SMFIP_NO*
 * of the callbacks it lacks, SMFIP_NR_* of those declared noreply, SKIP,
 * and HDR_LEADSPC or RCPT_REJ when declared) */
unsigned long
negotiate_mask(const struct policy_shape *ps)
{
    unsigned long want = 0;
    int st;

    for (st = ST_CONNECT; st < ST_COUNT; st++) {
        const struct stage_info *si = stage_info((enum stage)st);

        if (si->no_bit == 0)
            continue;
        if (st == ST_CONNECT && (ps->callbacks & STAGE_BIT(st)) == 0)
            want |= si->nr_bit;     /* still sent, for the log's client */
        else if ((ps->callbacks & STAGE_BIT(st)) == 0)
            want |= si->no_bit;
        else if ((ps->noreply & STAGE_BIT(st)) != 0)
            want |= si->nr_bit;
    }
    want |= SMFIP_SKIP;
    if (ps->leadspc)
        want |= SMFIP_HDR_LEADSPC;
    if (ps->rcpt_rej)
        want |= SMFIP_RCPT_REJ;
    return NEGOTIATE_PROTO_ALL & ~want;
}

/* negotiate_flags - actions and protocol bits to request from the MTA:
 * the offer, without the bits of negotiate_mask */
void
negotiate_flags(const struct policy_shape *ps, unsigned long offered_act,
                unsigned long offered_proto, unsigned long *actions,
                unsigned long *protocol)
{
    *protocol = offered_proto & ~negotiate_mask(ps);
    *actions = offered_act & NEGOTIATE_ALL_ACTIONS;
}
