/*
 * signals.h - SIGHUP reloads, SIGTERM/SIGINT stop, SIGUSR1 reopens.
 *
 * SIGUSR1 reopens the decision log (logrotate) and does nothing else.
 *
 * libmilter's own signal thread treats SIGHUP as "stop", and no API turns
 * that off.  luamilter links libmilter statically with -Wl,--wrap=sigwait:
 * our __wrap_sigwait removes HUP, TERM and INT from the set libmilter waits
 * for, so only our signal thread (sigwaitinfo) ever takes them.
 *
 * The signal thread never does long work itself: a reload runs on its own
 * thread (reload.h), so SIGTERM is always taken at once.
 */
#ifndef LUAMILTER_SIGNALS_H
#define LUAMILTER_SIGNALS_H

struct signal_handlers {
    void (*reload)(void);   /* SIGHUP, on the signal thread: must not wait */
    void (*stop)(int sig);  /* SIGTERM or SIGINT, on the signal thread */
    int (*tick)(void);      /* after each wake-up (may be NULL); nonzero:
                             * wake up again within 100 ms */
    void (*reopen)(void);   /* SIGUSR1 (may be NULL): reopen log files */
};

void signals_block(void);
int signals_start(const struct signal_handlers *h);

#endif
