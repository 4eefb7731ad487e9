// SPDX-License-Identifier: MIT
/*
 * Load balancing across CPUs: the decisions as pure functions over a
 * snapshot of per-CPU loads (unit-tested directly), and the few functions
 * that apply them under the run-queue locks.
 *
 * Mechanisms, and what each guarantees:
 * - Fair rotation (balance_tick, on a CPU whose fair threads wait, at the
 *   end of its current thread's slice): the waiter with the smallest
 *   vruntime (waited longest relative to its share) takes over the CPU
 *   whose fair thread has the largest vruntime (has run longest), if that
 *   one leads by at least min_granularity and has run at least that long.
 *   Ties prefer this CPU (no migration). So with more fair threads than
 *   CPUs, waiting is spread evenly over all threads, and only CPUs that
 *   have waiters take timer events; the others are interrupted only when a
 *   rotation actually replaces their thread. With no more threads than
 *   CPUs nothing waits and nothing rotates.
 *   A fair thread waiting behind RT or deadline work looks at once (and
 *   every slice while it waits) for the fair thread furthest ahead of it
 *   in vruntime, by a slice or more, and takes over its CPU: the time
 *   RT/DL take is then paid by whoever has had most of its share, not by
 *   whoever shares a CPU with them.
 * - Periodic pass (every balance_interval_ns on a CPU with waiters): push
 *   one waiter to the allowed CPU with the smallest fair load (fair
 *   weight per fair capacity, i.e. capacity net of RT/DL utilisation) if
 *   that lowers the larger of the two loads. With nice-0 threads and no
 *   RT/DL this is "at least two fewer runnable threads": queue lengths
 *   end within one of each other (where affinity permits).
 * - New-idle pull (inside schedule(), before the switch: balance_pull): a
 *   CPU with nothing to run takes a waiting thread allowed on it from the
 *   queue with the largest fair load; a CPU about to drop to less urgent
 *   work takes a more urgent queued RT thread.
 * - RT/DL utilisation (rq_rtdl_util): per CPU, a PELT-style average of the
 *   time RT and deadline threads ran (half-life 32 ms), as Linux scales a
 *   CPU's capacity for CFS by its RT/DL use; fair capacity is what is
 *   left.
 * - RT push (after a switch, balance_push_rt): a queued RT thread that
 *   would preempt another allowed CPU's work moves there (candidates from
 *   cpupri.h, no snapshot).
 * - Through the domains (once attached, on a machine with more than one
 *   LLC): per-group summaries kept by each CPU for itself (balance_account)
 *   choose where to look, and no decision snapshots more than one LLC:
 *   rotation and the pass above inside the LLC, passes per level above it
 *   comparing group summaries, new-idle pull nearest first. One LLC for
 *   the whole machine (or no domains): exactly the machine-wide code.
 *   docs/scheduler.md "Balancing through domains".
 * Hard affinity is re-checked under the locks before every move
 * (thread_can_run_on); deadline threads never move (deadline.c).
 *
 * Read next: thread.c.
 */
#include "sched/sched_internal.h"

#ifndef ENOMEM
#define ENOMEM 12
#endif

/* ---- RT/DL utilisation ----------------------------------------------------- */

/* One PELT period, and y^k for k = 0..31 in 0.32 fixed point, y^32 = 1/2
 * (Linux's runnable_avg_yN_inv, with y^0 = 1 kept exact). */
#define UTIL_PERIOD_NS 1000000ull
static const uint64_t util_yn[32] = {
	0x100000000, 0x0fa83b2db, 0x0f5257d15, 0x0efe4b99b,
	0x0eac0c6e7, 0x0e5b906e7, 0x0e0ccdeec, 0x0dbfbb797,
	0x0d744fcca, 0x0d2a81d91, 0x0ce248c15, 0x0c9b9bd86,
	0x0c5672a11, 0x0c12c4cca, 0x0bd08a39f, 0x0b8fbaf47,
	0x0b504f333, 0x0b123f581, 0x0ad583eea, 0x0a9a15ab4,
	0x0a5fed6a9, 0x0a2704303, 0x09ef53260, 0x09b8d39b9,
	0x09837f051, 0x094f4efa8, 0x091c3d373, 0x08ea4398b,
	0x08b95c1e3, 0x088980e80, 0x085aac367, 0x082cd8698,
};

/* y^(d / period) in 0.32 fixed point: whole periods from the table (and a
 * halving per 32), the remainder linearly (1 - y is 2%: the straight line
 * is within 0.02% of the curve over one period). */
static uint64_t util_decay_factor(uint64_t d_ns)
{
	uint64_t n = d_ns / UTIL_PERIOD_NS, r = d_ns % UTIL_PERIOD_NS;
	uint64_t whole, part;

	if (n >= 32 * 32)
		return 0;
	whole = util_yn[n % 32] >> (n / 32);
	part = util_yn[0] - (util_yn[0] - util_yn[1]) * r / UTIL_PERIOD_NS;
	/* Both factors may be 2^32 (d_ns == 0): 128-bit product. */
	return (uint64_t)(((unsigned __int128)whole * part) >> 32);
}

/* util after d_ns more, of which all (running) or none was RT/DL time. */
static uint32_t util_advance(uint32_t util, uint64_t d_ns, bool running)
{
	uint64_t f = util_decay_factor(d_ns);
	uint64_t u = ((uint64_t)util * f) >> 32;

	if (running)
		u += SCHED_UTIL_ONE - (((uint64_t)SCHED_UTIL_ONE * f) >> 32);
	return u > SCHED_UTIL_ONE ? SCHED_UTIL_ONE : (uint32_t)u;
}

void rq_rtdl_util_update(struct rq *rq, uint64_t now_ns)
{
	uint64_t at = rq->rtdl_util_at_ns;

	ASSERT_HELD(&rq->lock);
	if (now_ns <= at)
		return;
	WRITE_ONCE(rq->rtdl_util,
		   util_advance(rq->rtdl_util, now_ns - at,
				thread_rank(rq->curr) >= RANK_RT_BASE));
	WRITE_ONCE(rq->rtdl_util_at_ns, now_ns);
}

uint32_t rq_rtdl_util(const struct rq *rq, uint64_t now_ns)
{
	uint32_t util = READ_ONCE(rq->rtdl_util);
	uint64_t at = READ_ONCE(rq->rtdl_util_at_ns);

	if (now_ns <= at)
		return util;
	return util_advance(util, now_ns - at,
			    READ_ONCE(rq->snap_rank) >= RANK_RT_BASE);
}

uint32_t rq_fair_capacity(const struct rq *rq, uint64_t now_ns)
{
	uint32_t used = rq_rtdl_util(rq, now_ns) >> 10;
	uint32_t cap = used < SCHED_CAPACITY ? SCHED_CAPACITY - used : 0;

	return cap < SCHED_CAPACITY_MIN ? SCHED_CAPACITY_MIN : cap;
}

uint64_t balance_fair_load(const struct balance_load *l,
			   uint32_t extra_weight)
{
	uint32_t cap = l->fair_capacity ? l->fair_capacity : SCHED_CAPACITY;

	return (l->fair_weight + extra_weight) * SCHED_CAPACITY / cap;
}

/* ---- Snapshot ------------------------------------------------------------ */

void balance_snapshot_cpu(struct balance_load *l, int cpu, uint64_t now_ns)
{
	struct rq *rq = cpu_rq(cpu);
	uint64_t start, stint, at;
	int top = -1, p;

	/* Logical ids may have holes (an AP that never came up): an offline
	 * run queue was never initialised, and its summary (weight 0) must
	 * not be read. */
	l->online = __atomic_load_n(&rq->online, __ATOMIC_ACQUIRE);
	if (!l->online) {
		*l = (struct balance_load){ .online = false,
					    .curr_rank = RANK_IDLE,
					    .top_queued_rank = -1 };
		return;
	}
	start = READ_ONCE(rq->curr_stint_start_ns);
	stint = now_ns > start ? now_ns - start : 0;
	l->curr_rank = READ_ONCE(rq->snap_rank);
	/* Throttled threads are queued but cannot run: a CPU whose only work
	 * is throttled is idle for balancing. */
	l->nr_running = READ_ONCE(rq->nr_queued) -
			READ_ONCE(rq->dl.nr_throttled) -
			(READ_ONCE(rq->rt.throttled) ?
				 READ_ONCE(rq->rt.nr_queued) : 0) +
			(l->curr_rank != RANK_IDLE);
	l->nr_queued_fair = READ_ONCE(rq->fair.tree.count);
	l->fair_weight = READ_ONCE(rq->fair.queued_weight) +
			 (l->curr_rank == RANK_FAIR ? READ_ONCE(rq->snap_weight) :
						      0);
	l->fair_capacity = (uint16_t)rq_fair_capacity(rq, now_ns);
	l->curr_stint_ns = stint;
	at = READ_ONCE(rq->snap_at_ns);
	/* vruntime grows linearly while a thread runs: extrapolate from the
	 * owner's summary, never touch the remote thread. */
	l->curr_vruntime = READ_ONCE(rq->snap_vruntime) +
			   fair_scale_delta(now_ns > at ? now_ns - at : 0,
					    READ_ONCE(rq->snap_weight));
	if (READ_ONCE(rq->dl.tree.count))
		top = RANK_DL;
	else if (!READ_ONCE(rq->rt.throttled) &&
		 (p = rt_highest_queued_prio(rq)) >= 0)
		top = RANK_RT_BASE + p;
	else if (l->nr_queued_fair)
		top = RANK_FAIR;
	l->top_queued_rank = top;
}

int balance_snapshot(struct balance_load *loads, uint64_t now_ns)
{
	/* Read the count once: an AP coming online meanwhile raises it, and
	 * the caller must not read entries this loop never filled. */
	int n = __atomic_load_n(&sched_nr_cpus, __ATOMIC_ACQUIRE);

	for (int cpu = 0; cpu < n; cpu++)
		balance_snapshot_cpu(&loads[cpu], cpu, now_ns);
	return n;
}

/* ---- Pure decisions -------------------------------------------------------- */

int balance_idle_target(const struct balance_load *loads, int n,
			const struct cpumask *allowed)
{
	for (int cpu = 0; cpu < n; cpu++)
		if (loads[cpu].online && cpumask_test(allowed, cpu) &&
		    loads[cpu].nr_running == 0)
			return cpu;
	return -1;
}

int balance_rotation_target(const struct balance_load *loads, int n,
			    const struct cpumask *allowed, uint64_t v,
			    int this_cpu, uint64_t min_gran_ns)
{
	int best = balance_idle_target(loads, n, allowed);

	/* An idle CPU is always the best place for a waiter. */
	if (best >= 0)
		return best;
	/*
	 * Eligible: a fair thread that has received at least min_gran more
	 * weighted service than the waiter (so shares follow the weights)
	 * and has run at least min_gran in this stint (no ping-pong). Among
	 * those, the longest stint is replaced: the thread that has run
	 * longest. Choosing by stint, not by vruntime, makes the rotation go
	 * round the CPUs, so every thread migrates about equally often.
	 */
	for (int cpu = 0; cpu < n; cpu++) {
		const struct balance_load *l = &loads[cpu];

		if (!l->online || !cpumask_test(allowed, cpu) ||
		    l->curr_rank != RANK_FAIR)
			continue;
		if (l->curr_stint_ns < min_gran_ns ||
		    l->curr_vruntime < v + min_gran_ns)
			continue;
		if (best < 0 || l->curr_stint_ns > loads[best].curr_stint_ns ||
		    (l->curr_stint_ns == loads[best].curr_stint_ns &&
		     cpu == this_cpu))
			best = cpu;
	}
	return best;
}

int balance_rotation_behind_target(const struct balance_load *loads, int n,
				   const struct cpumask *allowed, uint64_t v,
				   uint64_t lead_ns)
{
	int best = balance_idle_target(loads, n, allowed);

	if (best >= 0)
		return best;
	/* The victim is the thread furthest ahead (most service for its
	 * weight), so the time RT/DL take here is charged to whoever can
	 * best afford it. It must lead by a whole slice: it will wait about
	 * that long for its own turn, and a peer only slightly ahead would
	 * lose more than the waiter gains. No minimum stint: the lead
	 * already rules out ping-pong (the victim cannot take the CPU back
	 * from a waiter a slice behind it). */
	for (int cpu = 0; cpu < n; cpu++) {
		const struct balance_load *l = &loads[cpu];

		if (!l->online || !cpumask_test(allowed, cpu) ||
		    l->curr_rank != RANK_FAIR)
			continue;
		if (l->curr_vruntime < v + lead_ns)
			continue;
		if (best < 0 || l->curr_vruntime > loads[best].curr_vruntime)
			best = cpu;
	}
	return best;
}

int balance_push_target(const struct balance_load *loads, int n,
			const struct cpumask *allowed, int this_cpu,
			uint32_t weight)
{
	uint64_t best_load = UINT64_MAX;
	int best = -1;

	for (int cpu = 0; cpu < n; cpu++) {
		uint64_t load;

		if (cpu == this_cpu || !loads[cpu].online ||
		    !cpumask_test(allowed, cpu))
			continue;
		load = balance_fair_load(&loads[cpu], weight);
		if (load < best_load) {
			best_load = load;
			best = cpu;
		}
	}
	/* Strictly lower: equal loads would trade places for nothing. */
	if (best >= 0 && best_load < balance_fair_load(&loads[this_cpu], 0))
		return best;
	return -1;
}

int balance_pull_order(const struct balance_load *loads, int n, int this_cpu,
		       int min_rank, int *order)
{
	int count = 0;

	for (int cpu = 0; cpu < n; cpu++) {
		int i;

		if (cpu == this_cpu || !loads[cpu].online ||
		    loads[cpu].top_queued_rank <= min_rank)
			continue;
		/* Insertion sort: most urgent queued work, then the longest
		 * queue, then the lowest id. */
		for (i = count; i > 0; i--) {
			const struct balance_load *a = &loads[order[i - 1]];
			const struct balance_load *b = &loads[cpu];

			if (a->top_queued_rank > b->top_queued_rank)
				break;
			if (a->top_queued_rank == b->top_queued_rank &&
			    (a->top_queued_rank == RANK_FAIR ?
				     balance_fair_load(a, 0) >=
					     balance_fair_load(b, 0) :
				     a->nr_running >= b->nr_running))
				break;
			order[i] = order[i - 1];
		}
		order[i] = cpu;
		count++;
	}
	return count;
}

int balance_rt_target(const struct balance_load *loads, int n,
		      const struct cpumask *allowed, int rank, int prev_cpu)
{
	int best = -1, best_rank = rank;

	for (int cpu = 0; cpu < n; cpu++) {
		const struct balance_load *l = &loads[cpu];
		/* Work already queued there counts: we would wait behind it. */
		int eff = l->curr_rank > l->top_queued_rank ? l->curr_rank :
							      l->top_queued_rank;

		if (!l->online || !cpumask_test(allowed, cpu) || eff >= rank)
			continue;
		if (best < 0 || eff < best_rank ||
		    (eff == best_rank && cpu == prev_cpu)) {
			best = cpu;
			best_rank = eff;
		}
	}
	return best;
}

/* ---- Domains: group summaries ----------------------------------------------- */

struct balance_domains *balance_domains;
bool balance_summaries_always;

static struct balance_domains *domains_for(int cpu);

static uint32_t capacity_of_util(uint32_t util)
{
	uint32_t used = util >> 10;
	uint32_t cap = used < SCHED_CAPACITY ? SCHED_CAPACITY - used : 0;

	return cap < SCHED_CAPACITY_MIN ? SCHED_CAPACITY_MIN : cap;
}

void balance_counts_of(const struct rq *rq, struct balance_counts *c)
{
	bool idle = rq->curr == rq->idle;

	c->nr_running = (int32_t)rq->nr_queued + !idle;
	c->nr_idle = idle;
	c->nr_queued_fair = (int32_t)rq->fair.tree.count;
	c->nr_queued_other = (int32_t)(rq->nr_queued - rq->fair.tree.count);
	c->fair_weight = (int64_t)rq->fair.queued_weight +
			 (rq->curr->class == &fair_class ? rq->curr->fair.weight :
							   0);
	/* The stored utilisation, not extrapolated: accounting has no clock,
	 * and a switch (when RT/DL use starts or stops) accounts anew. */
	c->fair_capacity = capacity_of_util(rq->rtdl_util);
}

bool balance_counts_equal(const struct balance_counts *a,
			  const struct balance_counts *b)
{
	return a->nr_running == b->nr_running && a->nr_idle == b->nr_idle &&
	       a->nr_queued_fair == b->nr_queued_fair &&
	       a->nr_queued_other == b->nr_queued_other &&
	       a->fair_weight == b->fair_weight &&
	       a->fair_capacity == b->fair_capacity;
}

static void sum_add(int64_t delta, int64_t *field)
{
	if (delta)
		__atomic_fetch_add(field, delta, __ATOMIC_RELAXED);
}

static void sum_add32(int32_t delta, int32_t *field)
{
	if (delta)
		__atomic_fetch_add(field, delta, __ATOMIC_RELAXED);
}

void balance_account(struct rq *rq)
{
	struct balance_domains *bd =
		__atomic_load_n(&balance_domains, __ATOMIC_ACQUIRE);
	struct balance_counts now, *was;
	const struct sched_group *g;

	if (!bd || rq->cpu >= bd->sd->nr_cpus)
		return;
	ASSERT_HELD(&rq->lock);
	balance_counts_of(rq, &now);
	was = &bd->cpu[rq->cpu].added;
	if (balance_counts_equal(&now, was))
		return;
	/* The CPU's own group first, then every larger span: O(levels). */
	for (g = bd->sd->cpu[rq->cpu].self; g; g = g->parent) {
		struct balance_counts *c = &bd->sums[g - bd->sd->groups].c;

		sum_add32(now.nr_running - was->nr_running, &c->nr_running);
		sum_add32(now.nr_idle - was->nr_idle, &c->nr_idle);
		sum_add32(now.nr_queued_fair - was->nr_queued_fair,
			  &c->nr_queued_fair);
		sum_add32(now.nr_queued_other - was->nr_queued_other,
			  &c->nr_queued_other);
		sum_add(now.fair_weight - was->fair_weight, &c->fair_weight);
		sum_add(now.fair_capacity - was->fair_capacity,
			&c->fair_capacity);
	}
	*was = now;
}

/* Refresh period of a decaying capacity share: the half-life of the
 * average (y^32 = 1/2), so the share is never off by more than half of
 * what remains of the RT/DL use. */
#define CAPACITY_REFRESH_NS (32 * UTIL_PERIOD_NS)

uint64_t balance_capacity_refresh_ns(const struct rq *rq)
{
	struct balance_domains *bd = domains_for(rq->cpu);

	ASSERT_HELD(&rq->lock);
	/* Capacity is accounted at events, but after RT/DL work stops it
	 * keeps growing with no event: a CPU running one fair thread has
	 * none (nohz), and its share would stay as low as at the switch,
	 * making its groups look overloaded to every pass for good. So while
	 * a fair thread runs on a share below full capacity, a timer event
	 * (update_curr, balance_account) catches up with the decay. (An
	 * idle CPU needs none: taking work is an event. RT/DL curr: a switch
	 * or its class's timer accounts.) Only when decisions read the
	 * summaries (domains_for). */
	if (!bd || thread_rank(rq->curr) != RANK_FAIR ||
	    bd->cpu[rq->cpu].added.fair_capacity >= SCHED_CAPACITY)
		return SCHED_TIMER_NONE;
	return rq->rtdl_util_at_ns + CAPACITY_REFRESH_NS;
}

/* Free bd (never published, or unpublished with no CPU balancing). */
static void balance_domains_free(struct balance_domains *bd)
{
	for (int cpu = 0; bd->cpu && cpu < bd->nr_cpus; cpu++) {
		arch_free(bd->cpu[cpu].loads);
		arch_free(bd->cpu[cpu].ids);
		arch_free(bd->cpu[cpu].order);
	}
	arch_free(bd->cpu);
	arch_free(bd->sums_mem);
	arch_free(bd);
}

int balance_domains_attach(const struct sched_domains *sd)
{
	struct balance_domains *bd;
	bool one_llc = true;
	int n = 0;

	SCHED_ASSERT(!balance_domains);
	/* One LLC for every CPU that is up: the decisions are the
	 * machine-wide ones, so no summaries to keep either: every event
	 * costs what it did before domains. Every CPU that is up, not every
	 * CPU of the tree: a possible CPU that never came up (an MADT's
	 * online-capable entry, a failed AP) has an LLC of its own there
	 * (topo.c), and would put every small PC with such firmware on the
	 * domain code. If it comes up later it balances machine-wide like
	 * the rest (the code before domains, right for any CPUs). */
	for (int cpu = 1; cpu < sd->nr_cpus && one_llc; cpu++)
		if (__atomic_load_n(&cpu_rq(cpu)->online, __ATOMIC_ACQUIRE) &&
		    sd->cpu[cpu].at_level[SD_LLC] != sd->cpu[0].at_level[SD_LLC])
			one_llc = false;
	if (sd->nr_cpus < 1 || (one_llc && !balance_summaries_always))
		return 0;
	for (int cpu = 0; cpu < sd->nr_cpus; cpu++) {
		const struct sched_group *llc = sd->cpu[cpu].at_level[SD_LLC];

		if (llc && llc->weight > n)
			n = llc->weight;
	}
	n++; /* room for the balancing CPU itself next to another group */
	bd = arch_alloc(sizeof(*bd));
	if (!bd)
		return -ENOMEM;
	bd->sd = sd;
	bd->nr_cpus = sd->nr_cpus;
	bd->scratch_n = n;
	/* One cache line per summary as the type says: arch_alloc aligns
	 * only to 16 (the kernel heap's header), so each summary would
	 * straddle two lines shared with its neighbours'. Align by hand. */
	bd->sums_mem = arch_alloc((size_t)sd->nr_groups * sizeof(*bd->sums) +
				  _Alignof(struct balance_sum) - 1);
	bd->cpu = arch_alloc((size_t)sd->nr_cpus * sizeof(*bd->cpu));
	if (!bd->sums_mem || !bd->cpu)
		goto nomem;
	bd->sums = (struct balance_sum *)(((uintptr_t)bd->sums_mem +
					   _Alignof(struct balance_sum) - 1) &
					  ~(uintptr_t)(_Alignof(struct balance_sum) - 1));
	for (int cpu = 0; cpu < sd->nr_cpus; cpu++) {
		struct balance_cpu *bc = &bd->cpu[cpu];

		bc->loads = arch_alloc((size_t)n * sizeof(*bc->loads));
		bc->ids = arch_alloc((size_t)n * sizeof(*bc->ids));
		bc->order = arch_alloc((size_t)n * sizeof(*bc->order));
		if (!bc->loads || !bc->ids || !bc->order)
			goto nomem;
	}
	/* Publish, then account every CPU under its lock: a CPU that read
	 * NULL before the publication accounts here (its lock orders the
	 * two); one that reads the pointer accounts itself, from zero. */
	__atomic_store_n(&balance_domains, bd, __ATOMIC_RELEASE);
	/* Pairs with sched_cpu_online's fence between setting `online` and
	 * its final balance_account: a CPU coming online now is seen here or
	 * sees the pointer there (a store then a load: only a full fence
	 * orders them), and accounting twice is harmless (differences). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int cpu = 0; cpu < sd->nr_cpus; cpu++) {
		struct rq *rq = cpu_rq(cpu);
		uint64_t flags;

		if (!__atomic_load_n(&rq->online, __ATOMIC_ACQUIRE))
			continue;
		flags = arch_irq_save();
		arch_spin_lock(&rq->lock);
		balance_account(rq);
		arch_spin_unlock(&rq->lock);
		arch_irq_restore(flags);
	}
	return 0;
nomem:
	/* Never published: no CPU can have seen it. */
	balance_domains_free(bd);
	return -ENOMEM;
}

void balance_domains_detach(void)
{
	struct balance_domains *bd = balance_domains;

	if (!bd)
		return;
	__atomic_store_n(&balance_domains, NULL, __ATOMIC_RELEASE);
	balance_domains_free(bd);
}

/* The domains for decisions on cpu, or NULL: today's machine-wide code
 * (no domains attached, a CPU outside them, or one LLC spanning the whole
 * machine, where the LLC-bounded code would be the same scan). */
static struct balance_domains *domains_for(int cpu)
{
	struct balance_domains *bd =
		__atomic_load_n(&balance_domains, __ATOMIC_ACQUIRE);

	if (!bd || cpu >= bd->sd->nr_cpus ||
	    bd->sd->cpu[cpu].at_level[SD_LLC] == bd->sd->machine)
		return NULL;
	return bd;
}

static const struct balance_counts *group_sum(const struct balance_domains *bd,
					      const struct sched_group *g)
{
	return &bd->sums[g - bd->sd->groups].c;
}

/* Fair load of a group if extra_weight joined it, in the unit of
 * balance_fair_load (the counts are read racily: a hint). */
static uint64_t group_load(const struct balance_counts *c,
			   uint32_t extra_weight)
{
	int64_t w = READ_ONCE(c->fair_weight), cap = READ_ONCE(c->fair_capacity);

	if (w < 0)
		w = 0;
	if (cap < SCHED_CAPACITY_MIN)
		cap = SCHED_CAPACITY_MIN;
	return (uint64_t)(w + extra_weight) * SCHED_CAPACITY / (uint64_t)cap;
}

/*
 * Snapshot the online CPUs of span into the CPU's scratch, ascending ids,
 * skipping the CPUs of `skip` (NULL: none); at most scratch_n - 1 of them
 * (the last slot is for the caller's own CPU). Returns how many.
 */
static int snapshot_span(struct balance_domains *bd, struct balance_cpu *bc,
			 const struct cpumask *span, const struct cpumask *skip,
			 uint64_t now_ns)
{
	int n = 0;

	for_each_cpu(c, span) {
		if (c >= bd->sd->nr_cpus || n >= bd->scratch_n - 1)
			break;
		if (skip && cpumask_test(skip, c))
			continue;
		balance_snapshot_cpu(&bc->loads[n], c, now_ns);
		bc->ids[n++] = c;
	}
	return n;
}

/* t's allowed CPUs among ids[0..n), as a mask of indices. */
static void runnable_mask_idx(const struct thread *t, const int *ids, int n,
			      struct cpumask *m)
{
	cpumask_clear(m);
	for (int i = 0; i < n; i++)
		if (thread_can_run_on(t, ids[i]))
			cpumask_set(m, i);
}

/* ---- Applying decisions ------------------------------------------------------ */

/* The allowed-and-online mask of t (deadline home included). */
static void runnable_mask(const struct thread *t, struct cpumask *m)
{
	cpumask_clear(m);
	for (int cpu = 0; cpu < sched_nr_cpus; cpu++)
		if (thread_can_run_on(t, cpu))
			cpumask_set(m, cpu);
}

/* Balancing moves t from CPU a to b (both run-queue locks held): stamp
 * a move to another node, for push_across's ping-pong damping. */
static void note_node_move(struct thread *t, int a, int b, uint64_t now_ns)
{
	const struct sched_topo *tp = sched_topo();

	if (tp && a < tp->nr_cpus && b < tp->nr_cpus &&
	    tp->node[a] != tp->node[b])
		t->node_moved_ns = now_ns;
}

/* Move queued t from this CPU to dst and make dst act on it. Returns false
 * if t changed meanwhile (another CPU moved or ran it). */
static bool move_to(struct rq *src, struct rq *dst, struct thread *t,
		    uint64_t now_ns, bool preempt)
{
	bool ok;

	double_rq_lock(src, dst);
	ok = t->state == THREAD_RUNNABLE && t->cpu == src->cpu &&
	     thread_can_run_on(t, dst->cpu);
	if (ok) {
		note_node_move(t, src->cpu, dst->cpu, now_ns);
		sched_move_queued(src, dst, t, now_ns);
		if (preempt || dst->curr == dst->idle)
			resched_rq(dst);
		sched_program_timer_locked(dst, now_ns);
		sched_program_timer_locked(src, now_ns);
	}
	double_rq_unlock(src, dst);
	return ok;
}

/* Bound on rotations one timer event makes (one per waiter, normally). */
#define ROTATIONS_PER_TICK 8

static void balance_tick_domains(struct balance_domains *bd, int cpu,
				 uint64_t now_ns);

void balance_tick(int cpu, uint64_t now_ns)
{
	struct balance_domains *bd = domains_for(cpu);
	struct balance_load *loads = balance_scratch_loads(cpu);
	struct rq *rq = cpu_rq(cpu);
	struct cpumask m;
	int ncpus;

	if (bd) {
		balance_tick_domains(bd, cpu, now_ns);
		return;
	}
	ncpus = balance_snapshot(loads, now_ns);

	/* Fair rotation: waiters here, in vruntime order; i is the index of
	 * the waiter under consideration (a moved waiter leaves the tree, so
	 * i only advances past waiters that stay). */
	for (int iter = 0, i = 0; iter < ROTATIONS_PER_TICK; iter++) {
		struct rb_node *n;
		struct thread *t;
		int target;

		arch_spin_lock(&rq->lock);
		n = rb_first(&rq->fair.tree);
		for (int k = 0; n && k < i; k++)
			n = rb_next(n);
		if (!n) {
			arch_spin_unlock(&rq->lock);
			break;
		}
		t = container_of(n, struct thread, fair.node);
		runnable_mask(t, &m);
		if (rq->curr->class == &fair_class || rq->curr == rq->idle)
			target = balance_rotation_target(
				loads, ncpus, &m, t->fair.vruntime, cpu,
				sched_tunables.min_granularity_ns);
		else
			/* RT or deadline runs here: the waiter takes over an
			 * idle CPU, or a fair thread ahead of it elsewhere. */
			target = balance_rotation_behind_target(
				loads, ncpus, &m, t->fair.vruntime,
				sched_tunables.fair_slice_ns);
		if (target == cpu) {
			/* Local rotation: curr gives way to the leftmost. */
			rq->need_resched = true;
			arch_spin_unlock(&rq->lock);
			break;
		}
		arch_spin_unlock(&rq->lock);
		if (target < 0) {
			i++; /* it keeps waiting; a later one may fit elsewhere */
			continue;
		}
		if (move_to(rq, cpu_rq(target), t, now_ns, true)) {
			/* It now runs there: fresh stint, not a target. */
			loads[target].curr_rank = RANK_FAIR;
			loads[target].curr_stint_ns = 0;
			loads[target].curr_vruntime = t->fair.vruntime;
			loads[target].nr_running++;
			loads[target].fair_weight += t->fair.weight;
		}
	}

	/* Queued RT work that could run elsewhere (e.g. behind a throttle
	 * or a more urgent thread here) goes there. */
	if (READ_ONCE(rq->rt.nr_queued))
		balance_push_rt(cpu, now_ns);

	/* Periodic pass: even out fair load (weight per fair capacity). */
	if (now_ns >= READ_ONCE(rq->next_balance_ns)) {
		struct thread *t = NULL;
		int target = -1;

		ncpus = balance_snapshot(loads, now_ns);
		arch_spin_lock(&rq->lock);
		rq->next_balance_ns = now_ns +
				      sched_tunables.balance_interval_ns;
		/* The longest-waiting fair thread with a lighter CPU. */
		for (struct rb_node *n = rb_first(&rq->fair.tree); n;
		     n = rb_next(n)) {
			struct thread *c = container_of(n, struct thread,
							fair.node);

			runnable_mask(c, &m);
			target = balance_push_target(loads, ncpus, &m,
						     cpu, c->fair.weight);
			if (target >= 0) {
				t = c;
				break;
			}
		}
		arch_spin_unlock(&rq->lock);
		if (t)
			move_to(rq, cpu_rq(target), t, now_ns, false);
	}
}

/* Take one queued thread from src for this CPU (rq), under both locks:
 * an RT thread more urgent than what would run here, or, if this CPU would
 * idle, a fair one. */
static bool pull_from(struct rq *rq, struct rq *src, int prev_rank,
		      uint64_t now_ns)
{
	struct thread *t;
	int my_rank;

	double_rq_lock(rq, src);
	/* Re-validate under the locks: what would run here next? (Throttled
	 * work queued here does not count: it cannot.) */
	my_rank = prev_rank;
	if (rq_top_runnable_rank(rq) > my_rank)
		my_rank = rq_top_runnable_rank(rq);
	/* Not while RT is throttled here: the pulled thread could not run
	 * until the window ends, while it may be about to run where it is
	 * (queued behind a preemption IPI). */
	t = rq->rt.throttled ? NULL : rt_class.pull(rq, src);
	if (t && thread_rank(t) <= my_rank)
		t = NULL;
	if (!t && my_rank == RANK_IDLE)
		t = fair_class.pull(rq, src);
	if (t) {
		/* No need_resched, no IPI: this CPU is inside schedule() and
		 * picks next. */
		sched_move_queued(src, rq, t, now_ns);
		sched_program_timer_locked(src, now_ns);
	}
	double_rq_unlock(rq, src);
	return t != NULL;
}

static bool pull_machine_wide(int cpu, uint64_t now_ns, int prev_rank);
static bool balance_pull_domains(struct balance_domains *bd, int cpu,
				 uint64_t now_ns, int prev_rank);

bool balance_pull(int cpu, uint64_t now_ns, int prev_rank)
{
	struct balance_domains *bd = domains_for(cpu);

	if (bd)
		return balance_pull_domains(bd, cpu, now_ns, prev_rank);
	return pull_machine_wide(cpu, now_ns, prev_rank);
}

/* The machine-wide new-idle pull: the only one without domains, and the
 * last resort with them (balance_pull_domains). O(CPUs). */
static bool pull_machine_wide(int cpu, uint64_t now_ns, int prev_rank)
{
	struct balance_load *loads = balance_scratch_loads(cpu);
	int *order = balance_scratch_order(cpu), n, ncpus;
	struct rq *rq = cpu_rq(cpu);

	ncpus = balance_snapshot(loads, now_ns);
	/* Fair work is pulled only by an idle CPU; RT work by any CPU
	 * about to run something less urgent. (The snapshot's curr_rank
	 * for this CPU is prev's, which may be blocking: the caller says
	 * what would really run.) */
	n = balance_pull_order(loads, ncpus, cpu,
			       prev_rank > loads[cpu].top_queued_rank ?
				       prev_rank :
				       loads[cpu].top_queued_rank,
			       order);
	for (int i = 0; i < n; i++)
		if (pull_from(rq, cpu_rq(order[i]), prev_rank, now_ns))
			return true;
	return false;
}

void balance_push_rt(int cpu, uint64_t now_ns)
{
	struct rq *rq = cpu_rq(cpu);
	const struct cpumask *near[CPUPRI_NEAR_MAX];
	int nnear = cpupri_near_of(cpu, near);

	for (int tries = 0; tries < ROTATIONS_PER_TICK; tries++) {
		struct thread *t = NULL;
		struct list_node *pos;
		int target = -1;

		/* cpupri (sched/cpupri.h) says where each queued thread would
		 * preempt less urgent work, as balance_rt_target() over a
		 * snapshot did, without one: O(levels + mask words) per
		 * thread; among equals this CPU's LLC, then its node. RT
		 * threads have no deadline home, so the allowed mask is
		 * t->allowed (cpupri holds online CPUs only); move_to
		 * re-checks under both locks. */
		arch_spin_lock(&rq->lock);
		for (int p = SCHED_RT_NR_PRIO - 1; p >= 0 && !t; p--) {
			list_for_each(pos, &rq->rt.queue[p]) {
				struct thread *c = container_of(pos, struct thread,
								rt.node);

				target = cpupri_find_near(
					&sched_cpupri, &c->allowed,
					cpupri_level_of(thread_rank(c)), cpu,
					near, nnear);
				if (target >= 0 && target != cpu) {
					t = c;
					break;
				}
			}
		}
		arch_spin_unlock(&rq->lock);
		if (!t || !move_to(rq, cpu_rq(target), t, now_ns, false))
			return;
		arch_spin_lock(&cpu_rq(target)->lock);
		if (thread_rank(t) > thread_rank(cpu_rq(target)->curr))
			resched_rq(cpu_rq(target));
		arch_spin_unlock(&cpu_rq(target)->lock);
	}
}

/* Where a queued RT or fair waiter may run: runnable_mask, a loop over
 * CPUs; with domains, its affinity mask as is (a copy of words: for
 * these classes thread_can_run_on is "allowed and online", and the idle
 * search ANDs the online mask itself). */
static void kick_mask(const struct sched_topo *tp, const struct thread *t,
		      struct cpumask *m)
{
	if (tp)
		*m = t->allowed;
	else
		runnable_mask(t, m);
}

/* ---- Decisions through the domains -------------------------------------------- */

/* Index of cpu among ids[0..n), -1 if absent. */
static int index_of(const int *ids, int n, int cpu)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == cpu)
			return i;
	return -1;
}

/*
 * The rotation inside this CPU's LLC: balance_tick's flat rotation with
 * the snapshot bounded by the LLC (a waiter leaves its LLC only through
 * the periodic pass of a level above).
 */
static void rotate_llc(struct balance_domains *bd, int cpu, uint64_t now_ns)
{
	struct balance_cpu *bc = &bd->cpu[cpu];
	const struct sched_group *llc = bd->sd->cpu[cpu].at_level[SD_LLC];
	struct balance_load *loads = bc->loads;
	struct rq *rq = cpu_rq(cpu);
	struct cpumask m;
	int n = snapshot_span(bd, bc, &llc->span, NULL, now_ns);
	int me = index_of(bc->ids, n, cpu);

	if (me < 0)
		return;
	for (int iter = 0, i = 0; iter < ROTATIONS_PER_TICK; iter++) {
		struct rb_node *node;
		struct thread *t;
		int target;

		arch_spin_lock(&rq->lock);
		node = rb_first(&rq->fair.tree);
		for (int k = 0; node && k < i; k++)
			node = rb_next(node);
		if (!node) {
			arch_spin_unlock(&rq->lock);
			break;
		}
		t = container_of(node, struct thread, fair.node);
		runnable_mask_idx(t, bc->ids, n, &m);
		if (rq->curr->class == &fair_class || rq->curr == rq->idle)
			target = balance_rotation_target(
				loads, n, &m, t->fair.vruntime, me,
				sched_tunables.min_granularity_ns);
		else
			target = balance_rotation_behind_target(
				loads, n, &m, t->fair.vruntime,
				sched_tunables.fair_slice_ns);
		if (target == me) {
			rq->need_resched = true;
			arch_spin_unlock(&rq->lock);
			break;
		}
		arch_spin_unlock(&rq->lock);
		if (target < 0) {
			i++;
			continue;
		}
		if (move_to(rq, cpu_rq(bc->ids[target]), t, now_ns, true)) {
			loads[target].curr_rank = RANK_FAIR;
			loads[target].curr_stint_ns = 0;
			loads[target].curr_vruntime = t->fair.vruntime;
			loads[target].nr_running++;
			loads[target].fair_weight += t->fair.weight;
		}
	}
}

/*
 * Push one waiter into group g (bounded by an LLC), chosen by the group
 * summaries: to g's allowed CPU with the smallest fair load with it added
 * (idle_only: to an idle one).
 * The group comparison already said the move evens the groups out; the
 * CPU it lands on need not be lighter than this one (two per CPU here,
 * one per CPU there: the rotation inside g then shares them).
 * t: the waiter, allowed/weight copied under the lock.
 */
static bool push_into(struct balance_domains *bd, int cpu,
		      const struct sched_group *g, struct thread *t,
		      const struct cpumask *allowed, uint32_t weight,
		      bool idle_only, uint64_t now_ns)
{
	struct balance_cpu *bc = &bd->cpu[cpu];
	int n = snapshot_span(bd, bc, &g->span, NULL, now_ns), best = -1;
	uint64_t best_load = UINT64_MAX;

	for (int i = 0; i < n; i++) {
		uint64_t l;

		if (bc->ids[i] == cpu || !cpu_online(bc->ids[i]) ||
		    !cpumask_test(allowed, bc->ids[i]) || !bc->loads[i].online)
			continue;
		/* The pass for an idle CPU: only to one (the group's idle
		 * CPU may be one t may not use; a busy CPU there gains t
		 * nothing, and the pass of that CPU would send it back at its
		 * next tick: it never ran). */
		if (idle_only && bc->loads[i].nr_running)
			continue;
		l = balance_fair_load(&bc->loads[i], weight);
		if (l < best_load) {
			best_load = l;
			best = i;
		}
	}
	return best >= 0 &&
	       move_to(cpu_rq(cpu), cpu_rq(bc->ids[best]), t, now_ns, false);
}

/* The lightest group among g's list (first .. NULL), other than `not`,
 * that t may run in (with need_idle: that has an idle CPU); *load_out its
 * load with `weight` added. */
static const struct sched_group *
lightest_group(struct balance_domains *bd, const struct sched_group *first,
	       const struct sched_group *not, const struct cpumask *allowed,
	       uint32_t weight, bool need_idle, uint64_t *load_out)
{
	const struct sched_group *best = NULL;
	uint64_t best_load = UINT64_MAX;

	for (const struct sched_group *g = first; g; g = g->next) {
		uint64_t l;

		if (g == not || !cpumask_intersects(&g->span, allowed) ||
		    (need_idle && READ_ONCE(group_sum(bd, g)->nr_idle) <= 0))
			continue;
		l = group_load(group_sum(bd, g), weight);
		if (l < best_load) {
			best_load = l;
			best = g;
		}
	}
	*load_out = best_load;
	return best;
}

/* Margin of the early pass: the move must leave the target group at
 * least this much (percent) lighter than ours (Linux's imbalance_pct
 * plays this part), so the early pass corrects real imbalance and the
 * interval governs the small ones. 5%: in rtdl-mix-64/128 it gave the
 * best fair share (11%/13%; 117 as Linux: 14%/29%, 100: 10%/24%). */
#define EARLY_MARGIN_PCT 105

/* Across nodes (the machine level) the early pass moves a waiter away
 * from its home, or one without a home, only once the imbalance has been
 * seen at every tick for this long: Linux's sysctl_sched_migration_cost
 * (0.5 ms), the age under which it calls a task cache-hot and does not
 * move it between nodes. Short imbalances (a hog's neighbours blocking
 * for a moment, RT bursts) then no longer move threads across nodes and
 * back; a waiter whose home is the lighter node goes at once. */
#define BALANCE_NODE_PERSIST_NS 1000000ull

/* A waiter moved to another node by balancing is not moved across nodes
 * again by the early pass for this long (ping-pong damping; the periodic
 * pass and the idle-CPU pass still may). */
#define BALANCE_NODE_DAMP_NS 10000000ull

/* cpu's group in d is imbalanced against a sibling: one nice-0 thread
 * more there would still leave it EARLY_MARGIN_PCT lighter (racy: a
 * hint; push_across checks each waiter). */
static bool imbalanced(struct balance_domains *bd,
		       const struct sched_domain *d, int cpu)
{
	const struct sched_group *mine = NULL;
	uint64_t least = UINT64_MAX;

	for (const struct sched_group *g = d->groups; g; g = g->next) {
		uint64_t l;

		if (cpumask_test(&g->span, cpu)) {
			mine = g;
			continue;
		}
		l = group_load(group_sum(bd, g), SCHED_NICE_0_WEIGHT);
		if (l < least)
			least = l;
	}
	return mine && least != UINT64_MAX &&
	       (unsigned __int128)least * EARLY_MARGIN_PCT <
		       (unsigned __int128)group_load(group_sum(bd, mine), 0) *
			       100;
}

/* Some group of d other than cpu's has an idle CPU (racy: a hint). */
static bool idle_elsewhere(struct balance_domains *bd,
			   const struct sched_domain *d, int cpu)
{
	for (const struct sched_group *g = d->groups; g; g = g->next)
		if (!cpumask_test(&g->span, cpu) &&
		    READ_ONCE(group_sum(bd, g)->nr_idle) > 0)
			return true;
	return false;
}

/* g holds t's home node (a group inside one node, or every CPU of it:
 * its first CPU's node; a hint). */
static bool toward_home(struct balance_domains *bd, const struct thread *t,
			const struct sched_group *g)
{
	const struct sched_topo *tp = sched_topo();
	int home = thread_home_node(t);

	(void)bd;
	return home >= 0 && tp && g->first_cpu < tp->nr_cpus &&
	       tp->node[g->first_cpu] == home;
}

/*
 * Periodic pass of domain d (above the LLC) on a CPU with fair waiters:
 * compare the summaries of d's groups; if the lightest group the waiter
 * may run in would stay lighter than this CPU's group with it added, go
 * down that group's lightest children to an LLC and push there. The
 * longest-waiting waiter that has such a group goes; one move per pass.
 * idle_only (the pass run early because another group has an idle CPU):
 * only groups with an idle CPU, whatever their load, so a waiter never
 * waits a long interval while a CPU it may use idles. A waiter whose home
 * node (thread_home_node) is in the chosen group goes before the longest
 * waiting one; home_only: only such a waiter.
 * damp: not a waiter balancing moved to another node less than
 * BALANCE_NODE_DAMP_NS ago (node_moved_ns, read under rq->lock, which
 * its last move held).
 */
static void push_across(struct balance_domains *bd, int cpu,
			const struct sched_domain *d, bool idle_only,
			bool home_only, bool damp, unsigned margin_pct,
			uint64_t now_ns)
{
	struct rq *rq = cpu_rq(cpu);
	const struct sched_group *mine = NULL, *to = NULL;
	struct thread *t = NULL;
	struct cpumask allowed;
	uint32_t weight = 0;
	uint64_t my_load;
	int k = 0;

	for (const struct sched_group *g = d->groups; g; g = g->next)
		if (cpumask_test(&g->span, cpu))
			mine = g;
	if (!mine)
		return;
	my_load = idle_only ? UINT64_MAX : group_load(group_sum(bd, mine), 0);
	arch_spin_lock(&rq->lock);
	for (struct rb_node *n = rb_first(&rq->fair.tree);
	     n && k < ROTATIONS_PER_TICK; n = rb_next(n), k++) {
		struct thread *c = container_of(n, struct thread, fair.node);
		const struct sched_group *g;
		uint64_t load;
		bool home;

		/* Found one already: only a waiter going home beats it. */
		if (t && thread_home_node(c) < 0)
			continue;
		g = lightest_group(bd, d->groups, mine, &c->allowed,
				   c->fair.weight, idle_only, &load);
		if (!g || (unsigned __int128)load * margin_pct >=
				  (unsigned __int128)my_load * 100)
			continue;
		home = toward_home(bd, c, g);
		if ((home_only && !home) || (t && !home))
			continue;
		if (damp && c->node_moved_ns &&
		    now_ns - c->node_moved_ns < BALANCE_NODE_DAMP_NS)
			continue;
		/* Down to an LLC (or smaller): the lightest child each time. */
		while (g->level > SD_LLC && g->children) {
			const struct sched_group *ch = lightest_group(
				bd, g->children, NULL, &c->allowed,
				c->fair.weight, idle_only, &load);

			if (!ch)
				break;
			g = ch;
		}
		t = c;
		to = g;
		allowed = c->allowed;
		weight = c->fair.weight;
		/* The longest-waiting waiter goes, unless a later one (of
		 * the first ROTATIONS_PER_TICK) would be going home. */
		if (home)
			break;
	}
	arch_spin_unlock(&rq->lock);
	if (t)
		push_into(bd, cpu, to, t, &allowed, weight, idle_only, now_ns);
}

/* The periodic pass inside the LLC: balance_tick's flat pass bounded by
 * the LLC. */
static void push_inside_llc(struct balance_domains *bd, int cpu,
			    uint64_t now_ns)
{
	const struct sched_group *llc = bd->sd->cpu[cpu].at_level[SD_LLC];
	struct balance_cpu *bc = &bd->cpu[cpu];
	struct rq *rq = cpu_rq(cpu);
	struct thread *t = NULL;
	struct cpumask m;
	int n = snapshot_span(bd, bc, &llc->span, NULL, now_ns);
	int me = index_of(bc->ids, n, cpu), target = -1;

	if (me < 0)
		return;
	arch_spin_lock(&rq->lock);
	for (struct rb_node *node = rb_first(&rq->fair.tree); node;
	     node = rb_next(node)) {
		struct thread *c = container_of(node, struct thread,
						fair.node);

		runnable_mask_idx(c, bc->ids, n, &m);
		target = balance_push_target(bc->loads, n, &m, me,
					     c->fair.weight);
		if (target >= 0) {
			t = c;
			break;
		}
	}
	arch_spin_unlock(&rq->lock);
	if (t)
		move_to(rq, cpu_rq(bc->ids[target]), t, now_ns, false);
}

/* A level's interval, scaled from the tunable: balance_interval_ns is the
 * lowest row of docs/many-cores.md's table (4 ms there), the others keep
 * their ratio to it (x2, x8, x32). */
static uint64_t level_interval_ns(int level)
{
	return sched_tunables.balance_interval_ns *
	       (sched_domain_interval_ns(level) /
		sched_domain_interval_ns(SD_SMT));
}

static void balance_tick_domains(struct balance_domains *bd, int cpu,
				 uint64_t now_ns)
{
	const struct sched_cpu_domains *cd = &bd->sd->cpu[cpu];
	struct balance_cpu *bc = &bd->cpu[cpu];
	struct rq *rq = cpu_rq(cpu);
	uint64_t next;

	rotate_llc(bd, cpu, now_ns);
	if (READ_ONCE(rq->rt.nr_queued))
		balance_push_rt(cpu, now_ns);
	/* Periodic passes, lowest level first, each on its own interval;
	 * the pass inside the LLC at the base interval. */
	if (now_ns >= bc->next_ns[SD_LLC]) {
		bc->next_ns[SD_LLC] = now_ns + sched_tunables.balance_interval_ns;
		push_inside_llc(bd, cpu, now_ns);
	}
	next = bc->next_ns[SD_LLC];
	for (int i = 0; i < cd->nr; i++) {
		const struct sched_domain *d = &cd->dom[i];

		if (d->level <= SD_LLC)
			continue;
		if (now_ns >= bc->next_ns[d->level]) {
			bc->next_ns[d->level] = now_ns +
						level_interval_ns(d->level);
			push_across(bd, cpu, d, false, false, false, 100, now_ns);
		} else if (READ_ONCE(rq->fair.tree.count) &&
			   idle_elsewhere(bd, d, cpu)) {
			/* Early, for an idle CPU only (Linux shortens a
			 * busy CPU's interval the same way for idle ones). */
			push_across(bd, cpu, d, true, false, false, 100, now_ns);
		} else if (READ_ONCE(rq->fair.tree.count) &&
			   imbalanced(bd, d, cpu)) {
			/* Early, for a clear imbalance only; across nodes,
			 * only towards a waiter's home until the imbalance
			 * has lasted BALANCE_NODE_PERSIST_NS. */
			bool persists;

			if (!bc->imb_since_ns[d->level])
				bc->imb_since_ns[d->level] = now_ns;
			persists = d->level < SD_MACHINE ||
				   now_ns - bc->imb_since_ns[d->level] >=
					   BALANCE_NODE_PERSIST_NS;
			push_across(bd, cpu, d, false, !persists,
				    d->level == SD_MACHINE, EARLY_MARGIN_PCT,
				    now_ns);
		} else {
			bc->imb_since_ns[d->level] = 0;
		}
		if (bc->next_ns[d->level] < next)
			next = bc->next_ns[d->level];
	}
	/* The timer keeps the earliest pass alive while waiters stay. */
	arch_spin_lock(&rq->lock);
	rq->next_balance_ns = next;
	arch_spin_unlock(&rq->lock);
}

/* Pull from the CPUs of span (minus skip), most urgent source first. */
static bool pull_span(struct balance_domains *bd, int cpu,
		      const struct cpumask *span, const struct cpumask *skip,
		      int min_rank, int prev_rank, uint64_t now_ns)
{
	struct balance_cpu *bc = &bd->cpu[cpu];
	int n = snapshot_span(bd, bc, span, skip, now_ns);
	int me = index_of(bc->ids, n, cpu);

	n = balance_pull_order(bc->loads, n, me, min_rank, bc->order);
	for (int i = 0; i < n; i++)
		if (pull_from(cpu_rq(cpu), cpu_rq(bc->ids[bc->order[i]]),
			      prev_rank, now_ns))
			return true;
	return false;
}

/* Queued work a CPU wanting rank > min_rank could take from a group. */
static int32_t group_queued(const struct balance_counts *c, int min_rank)
{
	return (min_rank < RANK_FAIR ? READ_ONCE(c->nr_queued_fair) : 0) +
	       READ_ONCE(c->nr_queued_other);
}

/* Tries of other groups per level and new-idle pull. */
#define FAR_PULL_TRIES 2

/*
 * Pull from the groups below `top` outside `near` (this CPU's side),
 * busiest by summary first, going down the busiest child to an LLC: at
 * most FAR_PULL_TRIES LLC scans. Only if the summaries show work queued
 * outside `near`.
 */
static bool pull_far(struct balance_domains *bd, int cpu,
		     const struct sched_group *top,
		     const struct sched_group *near, int min_rank,
		     int prev_rank, uint64_t now_ns)
{
	const struct sched_group *tried[FAR_PULL_TRIES] = { NULL };

	if (group_queued(group_sum(bd, top), min_rank) -
		    group_queued(group_sum(bd, near), min_rank) <= 0)
		return false;
	for (int k = 0; k < FAR_PULL_TRIES; k++) {
		const struct sched_group *g = top, *best;

		/* Down from top, the busiest child not tried and not ours,
		 * until an LLC. */
		do {
			int32_t most = 0;

			best = NULL;
			for (const struct sched_group *c = g->children; c;
			     c = c->next) {
				int32_t q;
				bool seen = c == near;

				for (int j = 0; j < k; j++)
					seen |= tried[j] == c;
				if (seen)
					continue;
				q = group_queued(group_sum(bd, c), min_rank);
				if (q > most) {
					most = q;
					best = c;
				}
			}
			if (best)
				g = best;
		} while (best && g->level > SD_LLC && g->children);
		if (g == top)
			return false;
		tried[k] = g;
		if (pull_span(bd, cpu, &g->span, NULL, min_rank, prev_rank,
			      now_ns))
			return true;
	}
	return false;
}

/*
 * New-idle pull, nearest first: the SMT siblings, the rest of the LLC,
 * then (if the node's summary shows queued work outside this LLC and
 * nothing came from inside) the busiest other LLC of the node. Another
 * node only for a CPU about to idle that found nothing it may run in its
 * own node: a waiter elsewhere must not wait a machine interval while
 * this CPU idles (work conservation); a CPU that would run something
 * anyway never pulls across nodes.
 */
static bool balance_pull_domains(struct balance_domains *bd, int cpu,
				 uint64_t now_ns, int prev_rank)
{
	const struct sched_cpu_domains *cd = &bd->sd->cpu[cpu];
	const struct sched_group *smt = cd->at_level[SD_SMT];
	const struct sched_group *llc = cd->at_level[SD_LLC];
	const struct sched_group *node = cd->at_level[SD_NODE];
	const struct sched_group *all = bd->sd->machine;
	struct balance_load self;
	int min_rank;

	balance_snapshot_cpu(&self, cpu, now_ns);
	min_rank = prev_rank > self.top_queued_rank ? prev_rank :
						      self.top_queued_rank;
	if (smt->weight > 1 &&
	    pull_span(bd, cpu, &smt->span, NULL, min_rank, prev_rank, now_ns))
		return true;
	if (llc != smt &&
	    pull_span(bd, cpu, &llc->span, smt->weight > 1 ? &smt->span : NULL,
		      min_rank, prev_rank, now_ns))
		return true;
	if (node != llc &&
	    pull_far(bd, cpu, node, llc, min_rank, prev_rank, now_ns))
		return true;
	if (node != all && min_rank == RANK_IDLE &&
	    pull_far(bd, cpu, all, node, min_rank, prev_rank, now_ns))
		return true;
	/*
	 * Last resort, for a CPU about to idle while the machine's summary
	 * still shows queued work: the summaries count waiters, not where
	 * their affinity lets them run, so the busiest groups tried above
	 * may hold only waiters barred from this CPU while one allowed here
	 * waits elsewhere (affinity-1024: 2.9% of the CPU time idle beside
	 * such waiters, stretches up to a tick, without this). The whole
	 * machine is scanned then: O(CPUs), paid by a CPU that has nothing
	 * else to run, as Linux's new-idle balance walks every level.
	 */
	if (llc != all && min_rank == RANK_IDLE &&
	    group_queued(group_sum(bd, all), min_rank) > 0)
		return pull_machine_wide(cpu, now_ns, prev_rank);
	return false;
}

/* balance_kick_idle's test of one candidate (a sched_idle_visit callback):
 * not the waiters' CPU (*arg), idle and not kicked yet, checked again
 * under its lock. True if it was kicked. */
static bool kick_one(int t, void *arg)
{
	struct rq *idle = cpu_rq(t);
	bool kicked = false;

	if (t == *(int *)arg || READ_ONCE(idle->snap_rank) != RANK_IDLE ||
	    READ_ONCE(idle->need_resched))
		return false;
	arch_spin_lock(&idle->lock);
	if (idle->snap_rank == RANK_IDLE && !idle->need_resched &&
	    rq_top_runnable_rank(idle) < 0) {
		resched_rq(idle); /* it pulls in schedule() */
		kicked = true;
	}
	arch_spin_unlock(&idle->lock);
	return kicked;
}

/* Kick at most this many idle CPUs per call (one per waiter). */
#define KICKS_PER_CALL 4

/*
 * Work waits on `cpu` (queued behind running work): if an allowed CPU is
 * idle, make it schedule now, so its new-idle pull takes the work. Without
 * this a waiter queued behind an RT thread, or a fair thread preempted by
 * one, waited for the periodic pass (up to a balance interval) while
 * another CPU idled. No lock held, interrupts off.
 *
 * The fence pairs with the one in newidle_pull() (core.c): a waker
 * publishes the waiter then looks for idle CPUs, a CPU going idle
 * publishes that then looks for waiters, so at least one of the two sees
 * the other (both reading first is the store-buffer race).
 */
void balance_kick_idle(int cpu)
{
	struct cpumask masks[KICKS_PER_CALL];
	int nw = 0, ncpus;
	struct rq *rq = cpu_rq(cpu);
	struct sched_topo *tp;
	struct rb_node *node;
	struct list_node *pos;

	if (!READ_ONCE(rq->nr_queued))
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ncpus = __atomic_load_n(&sched_nr_cpus, __ATOMIC_ACQUIRE);
	tp = sched_topo();
	/* Where may the waiters run? Most urgent first (deadline threads
	 * never move). Copied, so the kicks below need no lock of ours. */
	arch_spin_lock(&rq->lock);
	for (int p = SCHED_RT_NR_PRIO - 1; p >= 0 && nw < KICKS_PER_CALL; p--)
		list_for_each(pos, &rq->rt.queue[p])
			if (nw < KICKS_PER_CALL)
				kick_mask(tp, container_of(pos, struct thread,
							   rt.node),
					  &masks[nw++]);
	for (node = rb_first(&rq->fair.tree); node && nw < KICKS_PER_CALL;
	     node = rb_next(node))
		kick_mask(tp, container_of(node, struct thread, fair.node),
			  &masks[nw++]);
	arch_spin_unlock(&rq->lock);

	/* One idle CPU per waiter. A CPU counts as idle if it is, or is on
	 * its way there (newidle_pull published it), and has not been
	 * kicked already (need_resched): it will take one waiter, and two
	 * waiters sent to it would leave another idle CPU idle. Checked under
	 * its lock; a candidate that stopped being idle gives way to the
	 * next. */
	if (tp) {
		/* The same, nearest idle CPU first, through the idle masks
		 * (sched/topo.c): no scan of the machine. */
		for (int w = 0; w < nw; w++)
			sched_idle_visit(tp, cpu, &masks[w], true, kick_one,
					 &cpu);
		return;
	}
	for (int w = 0; w < nw; w++)
		for (int t = 0; t < ncpus; t++) {
			struct rq *idle = cpu_rq(t);
			bool kicked = false;

			if (t == cpu || !cpumask_test(&masks[w], t) ||
			    READ_ONCE(idle->snap_rank) != RANK_IDLE ||
			    READ_ONCE(idle->need_resched))
				continue;
			arch_spin_lock(&idle->lock);
			/* No runnable work of its own: a throttled RT class
			 * or deadline thread queued there does not run. */
			if (idle->snap_rank == RANK_IDLE && !idle->need_resched &&
			    rq_top_runnable_rank(idle) < 0) {
				resched_rq(idle); /* it pulls in schedule() */
				kicked = true;
			}
			arch_spin_unlock(&idle->lock);
			if (kicked)
				break;
		}
}

