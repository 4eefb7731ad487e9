/* SPDX-License-Identifier: MIT */
/*
 * Scheduler tracing (kernel/trace.c): per-CPU binary rings filled through
 * sched/'s arch_trace_event(), printed as a trace format v2 block
 * (docs/tracing.md) by trace_dump(). Options: trace=on|off|dump,
 * trace_buf=N (records per CPU).
 */
#ifndef COHORT_TRACE_H
#define COHORT_TRACE_H

#include <stdbool.h>

/* Read the options. BSP, once, before the scheduler starts. */
void trace_init(void);
/* Allocate `cpu`'s ring (on any CPU, before that CPU schedules). */
int trace_cpu_init(int cpu);
/* Print every CPU's recorded events, then start recording afresh. Safe
 * while CPUs keep running: recording pauses for the dump. */
void trace_dump(void);
/* trace=dump: dump after test= runs and on a fatal error. */
bool trace_dump_requested(void);

#endif
