/* SPDX-License-Identifier: MIT */
/* `bench=sched` (kernel/sched_bench.c). */
#ifndef COHORT_SCHED_BENCH_H
#define COHORT_SCHED_BENCH_H

void sched_bench_run(void);

#endif
