/* SPDX-License-Identifier: MIT */
/*
 * schedsim's many-core reports (`--stats`, `--stats-json FILE`): work
 * conservation measured exactly in the event loop, switches and
 * migrations per thread, migrations by topology level (same core / same
 * LLC / same node / cross-node) and cross-node migrations after a settle
 * time. The fair-share error is stats.c's (sim_fair_share, shared with
 * helper "fair"'s --fair-share); the reports here include its result.
 *
 * The simulator calls in at two places only: sim_stats_advance before the
 * clock moves (the state is constant between events, so an idle CPU that
 * some waiter may run on wastes exactly the interval) and
 * sim_stats_switch from arch_switch (a thread starting on a CPU other than
 * the one it last ran on has migrated, wherever its queue moved between).
 *
 * Read next: mcstats.c; docs/scheduler.md "Reports".
 */
#ifndef COHORT_SCHEDSIM_MCSTATS_H
#define COHORT_SCHEDSIM_MCSTATS_H

#include "tools/schedsim/sim.h"
#include "tools/schedsim/stats.h"

enum sim_mig_level {
	SIM_MIG_CORE,	/* SMT sibling */
	SIM_MIG_LLC,	/* another core, same last-level cache */
	SIM_MIG_NODE,	/* another LLC, same node */
	SIM_MIG_REMOTE,	/* another node */
	SIM_MIG_LEVELS,
};

struct sim_thread_mig {
	int last_cpu;	/* -1 before it first runs */
	uint64_t by_level[SIM_MIG_LEVELS];
	uint64_t remote_settled;	/* cross-node, at or after settle_ns */
	uint64_t runs;			/* times it got a CPU */
};

struct sim_stats {
	uint64_t settle_ns;	/* "after settling" starts here */
	/* Work conservation: CPU-time some CPU spent idle while a runnable
	 * thread allowed on it waited; the longest such stretch of one CPU;
	 * the number of stretches. */
	uint64_t wc_waste_ns;
	uint64_t wc_worst_ns;	/* closed stretches (the reports add open ones) */
	uint64_t wc_stretches;
	uint64_t *wc_since;	/* [ncpus]: stretch start, UINT64_MAX none */
	struct cpumask wasting;	/* CPUs inside a stretch */
	struct sim_thread_mig *thr;	/* [nthreads] */
	uint64_t by_level[SIM_MIG_LEVELS];
	uint64_t remote_settled;
	/* Wake-up placements (wake_common's target, from the trace's wakeup
	 * record) away from the CPU the thread last ran on, by level: what
	 * placement alone decides, whatever balancing does later. */
	uint64_t wake_by_level[SIM_MIG_LEVELS];
	uint64_t wake_remote_settled;
	int *tid_map;		/* tid -> thread index, filled as they run */
	int tid_map_n;
};

/* Attach a report to s (settle_ns 0: half the duration). 0 or -1. */
int sim_stats_attach(struct sim *s, uint64_t settle_ns);
void sim_stats_detach(struct sim *s);

/* Hooks for sim.c. */
void sim_stats_advance(struct sim *s, uint64_t to_ns);
void sim_stats_switch(struct sim *s, struct sim_thread *next, int cpu);
/* A wake-up of thread `tid` placed it on cpu (arch_trace_event). */
void sim_stats_wake(struct sim *s, int tid, int cpu);

/* Which level a move from CPU a to b crosses (topology of s). */
enum sim_mig_level sim_mig_level(const struct sim *s, int a, int b);
const char *sim_mig_level_name(enum sim_mig_level l);

/* The report, for humans and as one JSON object (docs/scheduler.md).
 * Both run sim_fair_share (which brings run-time accounting up to date). */
void sim_stats_print(struct sim *s, FILE *out);
void sim_stats_json(struct sim *s, const char *scenario, FILE *out);

#endif
