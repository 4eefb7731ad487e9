/* SPDX-License-Identifier: MIT */
/*
 * schedsim reports computed from a finished run (stats.c). Each report is
 * a separate function over `struct sim`; none changes scheduling.
 *
 * Fair share (issue 13): for each fair thread that is runnable for its
 * whole life (a hog: a script of only `run`/`loop`, or none), its CPU
 * time against its weighted share of the capacity the other threads left:
 *
 *   capacity = CPUs x duration - run time of every non-hog thread
 *              (RT, deadline, and fair threads that sleep or wait)
 *   share_i  = capacity x weight_i / sum of the hogs' weights,
 *
 * water-filled: a hog cannot use more than its lifetime (arrival to the
 * end), so a share above that is capped and the excess shared among the
 * rest by weight. The error of a thread is |run - share| / share; the
 * report's figure is the largest. Idle time while hogs waited is lost
 * capacity and shows as error.
 *
 * Read next: stats.c.
 */
#ifndef COHORT_SCHEDSIM_STATS_H
#define COHORT_SCHEDSIM_STATS_H

#include "tools/schedsim/sim.h"

struct sim_fair_share_thread {
	int idx;		/* in sim->threads */
	uint32_t weight;
	uint64_t run_ns;	/* CPU time received */
	uint64_t share_ns;	/* weighted share */
	uint32_t err_ppm;	/* |run - share| / share, parts per million */
};

struct sim_fair_share {
	uint64_t capacity_ns;	/* CPUs x duration */
	uint64_t other_ns;	/* run time of RT, deadline and non-hog fair */
	uint64_t fair_ns;	/* capacity - other: what the hogs share */
	int n;			/* hogs */
	struct sim_fair_share_thread th[SIM_MAX_THREADS];
	uint32_t max_err_ppm;	/* largest th[].err_ppm (0 if no hogs) */
	int worst;		/* index in th[] of the largest, -1 if none */
};

/*
 * Compute the fair-share report of a run that has ended (sim_run
 * returned). First brings every CPU's run-time accounting up to the
 * simulator's clock (a tickless CPU may not have charged its thread for a
 * long time). Returns the number of hogs.
 */
int sim_fair_share(struct sim *s, struct sim_fair_share *r);

/* Print it: one line per hog, then the totals and the largest error. */
void sim_print_fair_share(const struct sim *s, const struct sim_fair_share *r,
			  FILE *out);

#endif
