// SPDX-License-Identifier: MIT
/*
 * cpupri: per run level, the CPUs whose most urgent runnable work is at
 * that level (the contract and the concurrency rules are in cpupri.h).
 *
 * Guarantees:
 * - cpupri_find() gives exactly the CPU balance_rt_target() gives over a
 *   snapshot that agrees with the levels: the least urgent level wins,
 *   ties go to the preferred CPU (the thread's current one), then to the
 *   lowest id. So RT placement on small machines is what it was.
 * - Its cost does not grow with the CPU count beyond the mask words: at
 *   1024 CPUs a find is at most 103 count reads and 16 word ANDs per
 *   non-empty level below the asked one.
 *
 * Read next: rt.c (rt_select_cpu), balance.c (balance_push_rt).
 */
#include "sched/sched_internal.h"

struct cpupri sched_cpupri;

/* cpupri.h spells the ranks as numbers (it is included before them). */
_Static_assert(RANK_IDLE == 0 && RANK_FAIR == 1 && RANK_RT_BASE == 2 &&
		       RANK_DL == 200 &&
		       RANK_RT_BASE + SCHED_RT_NR_PRIO - 1 ==
			       CPUPRI_LEVEL_DL - 1,
	       "cpupri levels follow the scheduler's ranks");


void cpupri_init(struct cpupri *cp, int ncpus)
{
	SCHED_ASSERT(ncpus >= 1 && ncpus <= MAX_CPUS);
	arch_free(cp->cpu_level);
	cp->cpu_level = arch_alloc((size_t)ncpus * sizeof(*cp->cpu_level));
	SCHED_ASSERT(cp->cpu_level != NULL);
	cp->nr_cpus = ncpus;
	for (int cpu = 0; cpu < ncpus; cpu++)
		cp->cpu_level[cpu] = CPUPRI_NONE;
	for (int l = 0; l < CPUPRI_NR_LEVELS; l++) {
		cp->count[l] = 0;
		cpumask_clear(&cp->mask[l]);
	}
}

void cpupri_set(struct cpupri *cp, int cpu, int level)
{
	int old = cp->cpu_level[cpu];
	uint64_t bit = 1ULL << (cpu % 64);

	if (old == level)
		return;
	/* New level first: a racy reader may see the CPU twice for an
	 * instant, which costs at most a re-check under the locks; unseen,
	 * it could miss the only candidate. */
	if (level != CPUPRI_NONE) {
		__atomic_fetch_or(&cp->mask[level].bits[cpu / 64], bit,
				  __ATOMIC_RELAXED);
		__atomic_fetch_add(&cp->count[level], 1, __ATOMIC_RELAXED);
	}
	if (old != CPUPRI_NONE) {
		__atomic_fetch_and(&cp->mask[old].bits[cpu / 64], ~bit,
				   __ATOMIC_RELAXED);
		__atomic_fetch_sub(&cp->count[old], 1, __ATOMIC_RELAXED);
	}
	WRITE_ONCE(cp->cpu_level[cpu], level);
}

/* The lowest id in (level mask AND allowed AND, if given, within), or -1. */
static int level_first(const struct cpupri *cp, int l,
		       const struct cpumask *allowed,
		       const struct cpumask *within)
{
	int words = (cp->nr_cpus + 63) / 64;

	for (int w = 0; w < words; w++) {
		uint64_t bits = __atomic_load_n(&cp->mask[l].bits[w],
						__ATOMIC_RELAXED) &
				allowed->bits[w];

		if (within)
			bits &= within->bits[w];
		if (bits)
			return w * 64 + __builtin_ctzll(bits);
	}
	return -1;
}

int cpupri_find_near(const struct cpupri *cp, const struct cpumask *allowed,
		     int below_level, int prefer,
		     const struct cpumask *const *near, int nnear)
{
	if (below_level > CPUPRI_NR_LEVELS)
		below_level = CPUPRI_NR_LEVELS;
	for (int l = 0; l < below_level; l++) {
		int first;

		if (!__atomic_load_n(&cp->count[l], __ATOMIC_RELAXED))
			continue;
		if (prefer >= 0 && prefer < cp->nr_cpus &&
		    cpumask_test(allowed, prefer) &&
		    ((__atomic_load_n(&cp->mask[l].bits[prefer / 64],
				      __ATOMIC_RELAXED) >>
		      (prefer % 64)) & 1))
			return prefer;
		first = level_first(cp, l, allowed, NULL);
		if (first < 0)
			continue;
		/* Equals: the nearest ring around prefer that has one. */
		for (int i = 0; i < nnear; i++) {
			int c = level_first(cp, l, allowed, near[i]);

			if (c >= 0)
				return c;
		}
		return first;
	}
	return -1;
}

int cpupri_find(const struct cpupri *cp, const struct cpumask *allowed,
		int below_level, int prefer)
{
	return cpupri_find_near(cp, allowed, below_level, prefer, NULL, 0);
}

int cpupri_check(const struct cpupri *cp)
{
	int words = (cp->nr_cpus + 63) / 64;

	for (int l = 0; l < CPUPRI_NR_LEVELS; l++) {
		int n = 0;

		for (int w = 0; w < CPUMASK_WORDS; w++) {
			uint64_t bits = cp->mask[l].bits[w];

			if (w >= words && bits)
				return -1; /* a bit past nr_cpus */
			for (; bits; bits &= bits - 1) {
				int cpu = w * 64 + __builtin_ctzll(bits);

				if (cpu >= cp->nr_cpus ||
				    cp->cpu_level[cpu] != l)
					return -2; /* in a mask not its own */
				n++;
			}
		}
		if (n != cp->count[l])
			return -3;
	}
	for (int cpu = 0; cpu < cp->nr_cpus; cpu++) {
		int l = cp->cpu_level[cpu];

		if (l != CPUPRI_NONE &&
		    (l < 0 || l >= CPUPRI_NR_LEVELS ||
		     !cpumask_test(&cp->mask[l], cpu)))
			return -4; /* missing from its own mask */
	}
	return 0;
}

int rq_cpupri_level(const struct rq *rq)
{
	int rank = READ_ONCE(rq->snap_rank), top = rq_top_runnable_rank(rq);

	/* RT throttled here: an RT newcomer would wait for the window to
	 * end whatever runs, so for RT placement and push the CPU counts as
	 * taken (the deadline level, above every RT priority). At the level
	 * of what runs (fair or idle: throttled work does not count) it was
	 * the least urgent CPU of all, and RT work was placed there, and
	 * kept there by the push's tie-break, while other CPUs ran fair
	 * work. */
	if (rq->rt.throttled)
		return CPUPRI_LEVEL_DL;
	return cpupri_level_of(top > rank ? top : rank);
}

void rq_cpupri_update(struct rq *rq)
{
	/* rq->lock held, or rq not yet online (sched_cpu_online). */
	cpupri_set(&sched_cpupri, rq->cpu, rq_cpupri_level(rq));
}

int cpupri_near_of(int cpu, const struct cpumask *near[CPUPRI_NEAR_MAX])
{
	const struct sched_topo *tp = sched_topo();
	const struct sched_cpu_domains *cd;

	if (!tp || cpu < 0 || cpu >= tp->sd.nr_cpus)
		return 0; /* flat: lowest id among equals, as before domains */
	cd = &tp->sd.cpu[cpu];
	near[0] = &cd->at_level[SD_LLC]->span;
	near[1] = &cd->at_level[SD_NODE]->span;
	return CPUPRI_NEAR_MAX;
}
