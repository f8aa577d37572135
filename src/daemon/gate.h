/*
 * gate.h - connections counted from the moment they are accepted.
 *
 * The daemon links libmilter statically with -Wl,--wrap=accept,--wrap=close
 * and --wrap=read, so every connection libmilter accepts passes through
 * here before libmilter sees it:
 *   - it is counted at once, whether it ever sends anything or not, and
 *     closed at once when max_connections are already open;
 *   - one that has not negotiated (the MTA's first packet, OPTNEG, handled)
 *     within negotiate_timeout seconds is shut down, unless what it sent
 *     is still waiting to be read (then luamilter is the slow one);
 *   - accept failing for want of file descriptors sleeps a little instead
 *     of letting libmilter's listener spin.
 * The count goes down when libmilter closes the connection's socket.
 * Without gate_init (the unit tests, milter.core) every wrapper passes
 * straight through.
 */
#ifndef LUAMILTER_GATE_H
#define LUAMILTER_GATE_H

int gate_init(long nofile);
void gate_set_limits(int max_connections, double negotiate_timeout);
int gate_start(void);
void gate_negotiated(void);
long gate_count(void);

#endif
