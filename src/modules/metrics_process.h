/*
 * metrics_process.h - the process metrics Prometheus clients export by
 * convention (process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_open_fds, process_max_fds,
 * process_start_time_seconds), read from /proc/self and getrusage, and
 * the memory held by every Lua state.
 */
#ifndef LUAMILTER_METRICS_PROCESS_H
#define LUAMILTER_METRICS_PROCESS_H

struct mtext;

void metrics_process_render(struct mtext *t);
double metrics_process_start_time(void);

#endif
