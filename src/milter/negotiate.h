/*
 * negotiate.h - the milter options a policy class asks for.
 *
 * The class's shape (which callbacks it defines, which are declared
 * reply-less, whether it wants leading header space or rejected recipients)
 * becomes the actions and protocol words sent in the OPTNEG reply.  connect
 * is asked for even when the class lacks it, without a reply (SMFIP_NR_CONN),
 * so that the log can name every connection's client.  As in pymilter, this
 * is a mask of bits to clear from the MTA's offer (negotiate_mask); a class
 * may give its own (protomask.h).
 */
#ifndef LUAMILTER_NEGOTIATE_H
#define LUAMILTER_NEGOTIATE_H

struct policy_shape {
    unsigned callbacks;     /* STAGE_BIT of each callback the class defines */
    unsigned noreply;       /* STAGE_BIT of each reply-less callback */
    int leadspc;            /* wants SMFIP_HDR_LEADSPC */
    int rcpt_rej;           /* wants SMFIP_RCPT_REJ */
};

/* every action luamilter can perform; requested as far as the MTA offers */
#define NEGOTIATE_ALL_ACTIONS 0x1ffUL

/* the protocol word: a mask clears bits of it */
#define NEGOTIATE_PROTO_ALL 0xffffffffUL

unsigned long negotiate_mask(const struct policy_shape *ps);
void negotiate_flags(const struct policy_shape *ps, unsigned long offered_act,
                     unsigned long offered_proto, unsigned long *actions,
                     unsigned long *protocol);

#endif
