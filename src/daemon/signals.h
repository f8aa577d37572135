/*
 * signals.h - SIGHUP reloads, SIGTERM/SIGINT stop.
 *
 * libmilter's own signal thread treats SIGHUP as "stop", and no API turns
 * that off.  luamilter links libmilter statically with -Wl,--wrap=sigwait:
 * our __wrap_sigwait removes HUP, TERM and INT from the set libmilter waits
 * for, so only our signal thread (sigwaitinfo) ever takes them.
 */
#ifndef LUAMILTER_SIGNALS_H
#define LUAMILTER_SIGNALS_H

struct signal_handlers {
    void (*reload)(void);   /* SIGHUP, on the signal thread */
    void (*stop)(int sig);  /* SIGTERM or SIGINT, on the signal thread */
};

void signals_block(void);
int signals_start(const struct signal_handlers *h);

#endif
