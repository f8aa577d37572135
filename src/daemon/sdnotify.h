/*
 * sdnotify.h - systemd's service protocol: readiness, reloads, stopping,
 * status and the watchdog (sd_notify), and socket activation
 * (sd_listen_fds).
 *
 * Without systemd (no NOTIFY_SOCKET, no LISTEN_FDS) every call does
 * nothing, so the daemon runs the same under any supervisor.
 */
#ifndef LUAMILTER_SDNOTIFY_H
#define LUAMILTER_SDNOTIFY_H

#include <stddef.h>

/* what STATUS= says, filled in by the daemon when the status is sent */
typedef void (*sdnotify_status_fn)(char *buf, size_t len);

int sdnotify_listen_fd(char *what, size_t whatlen, char *err, size_t errlen);
int sdnotify_activated(void);
void sdnotify_ready(void);
void sdnotify_reloading(void);
void sdnotify_stopping(void);
int sdnotify_start(sdnotify_status_fn status);

#endif
