/* SPDX-License-Identifier: MIT */
/* Scheduler self-tests (kernel/sched_tests.c), run with test=sched-*. */
#ifndef COHORT_SCHED_TESTS_H
#define COHORT_SCHED_TESTS_H

int selftest_sched_cpus(void);
int selftest_sched_nohz(void);
int selftest_sched_share(void);
int selftest_sched_share_stall(void);
int selftest_sched_rt(void);
int selftest_sched_deadline(void);
int selftest_sched_throttle(void);
int selftest_sched_storm(void);
int selftest_trace_mix(void);

#endif
