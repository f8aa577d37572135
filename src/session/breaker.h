/*
 * breaker.h - the circuit breaker for a policy that keeps failing.
 *
 * After breaker_errors script errors within breaker_window seconds it
 * trips: it logs loudly and either answers on_error for everything without
 * running the script (mode on_error) or puts the previous script back for
 * new connections (mode last_good).  A successful reload resets it.
 */
#ifndef LUAMILTER_BREAKER_H
#define LUAMILTER_BREAKER_H

void breaker_setup(int errors, int window, int mode);
void breaker_error(void);
int breaker_open(void);
void breaker_reset(void);

#endif
