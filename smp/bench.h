/* SPDX-License-Identifier: MIT */
/* `bench=NAME` micro-benchmarks (smp/bench.c). */
#ifndef COHORT_SMP_BENCH_H
#define COHORT_SMP_BENCH_H

/* Run benchmark `name` (all, ipi, tlb, timer) and print its figures. */
int bench_run(const char *name);

#endif
