/* SPDX-License-Identifier: MIT */
/*
 * cpupri: for every run level, the set of CPUs whose most urgent runnable
 * work is at that level, so RT placement ("a CPU allowed by m running
 * something less urgent than rank r") is a walk over at most
 * CPUPRI_NR_LEVELS levels with a find-first-set over (level mask AND m),
 * never a scan of every CPU (issue 13; the idea of Linux's
 * kernel/sched/cpupri.c, our own code and levels).
 *
 * Levels: a CPU's level is cpupri_level_of(rank) of its "effective rank",
 * the larger of the rank of what runs there (rq->snap_rank) and the most
 * urgent queued work that may run now (rq_top_runnable_rank), as
 * balance_rt_target() computes from a snapshot: work already queued on a
 * CPU counts, a newcomer would wait behind it. Level 0 is idle, 1 fair,
 * 2..101 the RT priorities 0..99, 102 deadline; a CPU whose RT is
 * throttled is at 102 too (no RT newcomer could run there until the
 * window ends: rq_cpupri_level). Offline CPUs are in no mask.
 *
 * Concurrency (the rules the users rely on):
 * - cpu_level[cpu] is written only under that CPU's run-queue lock (by
 *   whichever CPU holds it: a remote wake-up enqueues under it), through
 *   cpupri_set(). So the writers of one CPU's entry are serialised.
 * - Mask words are shared by 64 CPUs, so bits are set and cleared with
 *   atomic read-modify-writes; counts are atomic too. A reader takes no
 *   lock and may see a CPU in two levels or none for an instant: the
 *   answer is a hint, and every move is re-checked under the run-queue
 *   locks (move_to, wake_common's thread_can_run_on, the preemption
 *   check), as with the snapshot it replaces.
 * - When every run-queue lock is held (sched_check_all), each online CPU
 *   is in exactly the mask of its level and the counts are the mask
 *   populations (cpupri_check).
 */
#ifndef COHORT_SCHED_CPUPRI_H
#define COHORT_SCHED_CPUPRI_H

#include "kernel/cpumask.h"

#define CPUPRI_LEVEL_IDLE 0
#define CPUPRI_LEVEL_FAIR 1
#define CPUPRI_LEVEL_RT_BASE 2
#define CPUPRI_LEVEL_DL 102
#define CPUPRI_NR_LEVELS 103
#define CPUPRI_NONE (-1) /* cpu_level of a CPU in no mask (offline) */

struct cpupri {
	int nr_cpus;		/* ids 0 .. nr_cpus-1 (cpupri_init) */
	int *cpu_level;		/* per CPU, CPUPRI_NONE until cpupri_set */
	int count[CPUPRI_NR_LEVELS];	/* population of each mask (atomic) */
	struct cpumask mask[CPUPRI_NR_LEVELS]; /* bits set/cleared atomically */
};

/* The scheduler's instance, sized by sched_init(). */
extern struct cpupri sched_cpupri;

/* Level of a scheduler rank (RANK_IDLE 0, RANK_FAIR 1, RANK_RT_BASE + p
 * = 2 + p, RANK_DL 200; sched_internal.h): the rank itself below
 * deadline. Inline: it is on every switch's path. */
static inline int cpupri_level_of(int rank)
{
	if (rank >= 200) /* RANK_DL */
		return CPUPRI_LEVEL_DL;
	return rank <= 0 ? CPUPRI_LEVEL_IDLE : rank;
}

/* Size cp for CPU ids 0..ncpus-1 (1..MAX_CPUS), every CPU in no level.
 * Allocates cpu_level through arch_alloc (freeing the previous table).
 * Before any CPU uses it. */
void cpupri_init(struct cpupri *cp, int ncpus);

/* Move cpu to `level` (0..CPUPRI_NR_LEVELS-1, or CPUPRI_NONE to take it
 * out). Caller serialises the writers of cpu (its run-queue lock).
 * Cheap when the level is unchanged (one read). */
void cpupri_set(struct cpupri *cp, int cpu, int level);

/*
 * A CPU in `allowed` whose level is below `below_level`, at the lowest
 * such level; among that level's CPUs `prefer` if it is one, else the
 * lowest id. -1 if none. Exactly balance_rt_target()'s choice over a
 * snapshot that agrees with cp. Cost: O(levels below below_level + mask
 * words of nr_cpus per non-empty level visited), no per-CPU loop.
 */
int cpupri_find(const struct cpupri *cp, const struct cpumask *allowed,
		int below_level, int prefer);

/*
 * The same, with locality among equals: at the chosen level, if `prefer`
 * is not a candidate, the lowest id inside near[0] (e.g. prefer's LLC),
 * else inside near[1] (its node), ..., else the lowest id. With no near
 * masks, or near masks that cover the machine, exactly cpupri_find().
 * Cost: O(levels + mask words x (nnear + 1)).
 */
int cpupri_find_near(const struct cpupri *cp, const struct cpumask *allowed,
		     int below_level, int prefer,
		     const struct cpumask *const *near, int nnear);

/* Rings around cpu for cpupri_find_near: its LLC, then its node, from
 * the attached domains (sched_topo()); 0 rings before they are attached.
 * Returns how many it wrote. Lock-free: the domains never change. */
#define CPUPRI_NEAR_MAX 2
int cpupri_near_of(int cpu, const struct cpumask *near[CPUPRI_NEAR_MAX]);

/* 0 if every CPU with a level is in exactly that level's mask, no other
 * bit is set and the counts match; else a negative code. Caller stops the
 * writers (holds every run-queue lock). O(levels x words + CPUs). */
int cpupri_check(const struct cpupri *cp);

#endif
