/* SPDX-License-Identifier: MIT */
/*
 * Scheduler tunables: the compiled-in defaults, and the one runtime copy
 * (struct sched_tunables, defined in core.c) that the code actually reads.
 *
 * Every default here can be changed before or while the scheduler runs with
 * sched_tunable_set() (the kernel's command line and the simulator's scenario
 * files both go through it, so both validate the same way). Times carry
 * their unit; bandwidths are fixed point with SCHED_BW_SHIFT fraction bits,
 * because sched/ builds with -mgeneral-regs-only and has no floating point.
 *
 * Read next: sched.h (the API) and core.c (who uses each value).
 */
#ifndef COHORT_SCHED_CONFIG_H
#define COHORT_SCHED_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/cpumask.h"
#include "kernel/lib/units.h"

/* Largest CPU count sched_init() accepts: the kernel's one CPU limit
 * (MAX_CPUS, kernel/cpumask.h), under its scheduler name. Nothing is sized
 * by it: per-CPU tables are allocated for the count sched_init() gets. */
#define SCHED_MAX_CPUS MAX_CPUS

/* Bandwidth fixed point: 1.0 == 1 << SCHED_BW_SHIFT. */
#define SCHED_BW_SHIFT 20
#define SCHED_BW_ONE (1ull << SCHED_BW_SHIFT)

/* Periodic tick rate, used only when a CPU needs a tick (nohz off). */
#define SCHED_DEFAULT_TICK_HZ 1000
/* Shortest stint a fair thread keeps the CPU before a rotation may take it;
 * also the vruntime lead a waker needs to preempt. */
#define SCHED_DEFAULT_MIN_GRANULARITY_NS (100 * NSEC_PER_USEC)
/* Fair rotation period when more fair threads are runnable than CPUs:
 * one tick at the default rate. */
#define SCHED_DEFAULT_FAIR_SLICE_NS (1 * NSEC_PER_MSEC)
/* Bound on the vruntime credit a waking sleeper gets: enough to run soon,
 * not enough to monopolise (Linux uses half its 6 ms latency). */
#define SCHED_DEFAULT_SLEEPER_CREDIT_NS (3 * NSEC_PER_MSEC)
/* Periodic load-balance pass and the work-conservation limit. */
#define SCHED_DEFAULT_BALANCE_INTERVAL_NS (50 * NSEC_PER_MSEC)
/* RT throttle: RT may use at most runtime per period on each CPU. */
#define SCHED_DEFAULT_RT_RUNTIME_NS (950 * NSEC_PER_MSEC)
#define SCHED_DEFAULT_RT_PERIOD_NS (1000 * NSEC_PER_MSEC)
/* Round-robin slice for SCHED_POLICY_RR (Linux default). */
#define SCHED_DEFAULT_RR_SLICE_NS (100 * NSEC_PER_MSEC)
/* Deadline admission bound per CPU: sum(runtime/period) <= 95%. */
#define SCHED_DEFAULT_DL_BOUND_BW ((SCHED_BW_ONE * 95) / 100)
/* Tickless: a CPU with nothing to time-share takes no timer events. */
#define SCHED_DEFAULT_NOHZ true

/* Largest EDF runtime/deadline/period accepted: keeps runtime << 20 and
 * products of two times inside 128 bits with room to spare (~2.4 hours). */
#define SCHED_DL_MAX_TIME_NS (1ull << 43)

/*
 * The live values. Written by sched_tunable_set() (validated) or directly by
 * tests before the scheduler runs; read without locks everywhere: a change
 * takes effect at each CPU's next scheduling event, which is all a tunable
 * promises.
 */
struct sched_tunables {
	uint64_t tick_ns;		/* 1e9 / tick Hz */
	uint64_t min_granularity_ns;
	uint64_t fair_slice_ns;
	uint64_t sleeper_credit_ns;
	uint64_t balance_interval_ns;
	uint64_t rt_runtime_ns;
	uint64_t rt_period_ns;
	uint64_t rr_slice_ns;
	uint64_t dl_bound_bw;		/* SCHED_BW_ONE == 100% */
	bool nohz;
};

extern struct sched_tunables sched_tunables;

/* Put every tunable back to its default (tests call this between cases). */
void sched_tunables_reset(void);

/*
 * Set one tunable by name: "tick_hz", "min_granularity_ns",
 * "fair_slice_ns", "sleeper_credit_ns", "balance_interval_ns",
 * "rt_runtime_ns", "rt_period_ns", "rr_slice_ns", "dl_bound_ppm"
 * (parts per million), "nohz" (0/1). Returns 0, or -EINVAL for an unknown
 * name or a value out of range (nothing changed; one log line says why).
 */
int sched_tunable_set(const char *name, uint64_t value);

#endif
