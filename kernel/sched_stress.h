/* SPDX-License-Identifier: MIT */
/*
 * test=sched-stress (kernel/sched_stress.c): kernel threads that create,
 * exit and join each other, sleep, block and wake on shared wait queues,
 * and change each other's affinity and scheduling attributes, for
 * `stress_s=` seconds, with the periodic checker (`sched_check=`) running;
 * then exact accounting of threads, wakeups, pages, deadline bandwidth and
 * checker passes. docs/scheduler.md ("The stress test") describes it.
 */
#ifndef COHORT_SCHED_STRESS_H
#define COHORT_SCHED_STRESS_H

#include <stdatomic.h>

/* Returns 0 on PASS; prints `sched-stress: PASS ...` or `FAIL ...` last. */
int selftest_sched_stress(void);

/* Clean passes of the `sched_check=` thread (invariants and work
 * conservation both held). Defined and incremented in kernel/main.c, by the
 * one thread that runs the checks; read by the stress test to show that
 * the checks ran while it did. */
extern atomic_ulong sched_check_passes;

#endif
