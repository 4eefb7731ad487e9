/* SPDX-License-Identifier: MIT */
/*
 * explore: systematic random exploration of the scheduler's concurrency.
 *
 * One seed makes one run: a few worker threads on a few simulated CPUs
 * (par.h), each following a short program drawn from the seed (compute,
 * sleep, block on and wake shared wait queues, wake each other, change
 * each other's attributes and affinity, yield, create and join children),
 * while the interleaving itself is drawn from the same seed: at every lock
 * acquire and release, and every point interrupts come back on, the
 * running CPU may hand over to another. After every step at which no CPU
 * holds a lock, sched_check_all() and the work-conservation check run;
 * whenever every CPU is parked, every blocked thread must be findable by
 * a waker (no lost wakeups); at the end every thread is reaped, every
 * queue is empty and every CPU's admitted deadline bandwidth is back to
 * zero.
 *
 * A failing seed is minimised (ops removed one at a time while it still
 * fails) and printed with the exact command that replays it.
 *
 * Read next: explore.c; tests/unit/sched/explore-test.c runs it in
 * `make test`; `schedsim --explore` runs it by hand.
 */
#ifndef COHORT_SCHEDSIM_EXPLORE_H
#define COHORT_SCHEDSIM_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EXPLORE_MAX_WORKERS 6
#define EXPLORE_MAX_OPS 24

struct explore_opts {
	int ncpus;		/* 2..PAR_MAX_CPUS; 0: drawn from the seed (2-4) */
	int nworkers;		/* 1..EXPLORE_MAX_WORKERS; 0: drawn (2-5) */
	int nops;		/* ops per worker; 0: drawn (4-16) */
	unsigned switch_pct;	/* CPU switch chance at a hook; 0: drawn */
	bool smt_nodes;		/* domains: 2 threads per core, 4 CPUs per
				 * LLC and node (CPU c: core c/2, LLC and
				 * node c/4), not one flat LLC */
};

struct explore_result {
	bool failed;
	char reason[256];
	uint64_t steps, hooks, checks;
};

/* Ops dropped from a program: bit i of drop[w] drops op i of worker w. */
struct explore_drop {
	uint32_t bits[EXPLORE_MAX_WORKERS];
};

/* Run one seed. Returns 0, or -1 with r->reason. */
int explore_one(uint64_t seed, const struct explore_opts *o,
		const struct explore_drop *drop, struct explore_result *r);

/* Minimise a failing seed: fills *drop with the most ops that can be
 * dropped while it still fails. */
void explore_minimize(uint64_t seed, const struct explore_opts *o,
		      struct explore_drop *drop);

/* Print the (minimised) program and the command that replays it. */
void explore_print(FILE *out, uint64_t seed, const struct explore_opts *o,
		   const struct explore_drop *drop);

/* Parse "w.i,w.i,..." into *drop. Returns 0 or -1. */
int explore_parse_drop(const char *s, struct explore_drop *drop);

/*
 * Run seeds first..first+count-1, printing progress every `progress`
 * seeds (0: never) to `out`. On the first failure: minimise, print, stop.
 * Returns the number of failing seeds (0 or 1).
 */
int explore_seeds(uint64_t first, uint64_t count, const struct explore_opts *o,
		  FILE *out, uint64_t progress);

#endif
