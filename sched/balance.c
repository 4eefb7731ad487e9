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
 * Hard affinity is re-checked under the locks before every move
 * (thread_can_run_on); deadline threads never move (deadline.c).
 *
 * Read next: thread.c.
 */
#include "sched/sched_internal.h"

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

int balance_snapshot(struct balance_load *loads, uint64_t now_ns)
{
	/* Read the count once: an AP coming online meanwhile raises it, and
	 * the caller must not read entries this loop never filled. */
	int n = __atomic_load_n(&sched_nr_cpus, __ATOMIC_ACQUIRE);

	for (int cpu = 0; cpu < n; cpu++) {
		struct rq *rq = cpu_rq(cpu);
		struct balance_load *l = &loads[cpu];
		uint64_t start = READ_ONCE(rq->curr_stint_start_ns);
		uint64_t stint = now_ns > start ? now_ns - start : 0;
		int top = -1, p;

		/* Logical ids may have holes (an AP that never came up): an
		 * offline run queue was never initialised, and its summary
		 * (weight 0) must not be read. */
		l->online = __atomic_load_n(&rq->online, __ATOMIC_ACQUIRE);
		if (!l->online) {
			*l = (struct balance_load){ .online = false,
						    .curr_rank = RANK_IDLE,
						    .top_queued_rank = -1 };
			continue;
		}
		l->curr_rank = READ_ONCE(rq->snap_rank);
		/* Throttled threads are queued but cannot run: a CPU whose
		 * only work is throttled is idle for balancing. */
		l->nr_running = READ_ONCE(rq->nr_queued) -
				READ_ONCE(rq->dl.nr_throttled) -
				(READ_ONCE(rq->rt.throttled) ?
					 READ_ONCE(rq->rt.nr_queued) : 0) +
				(l->curr_rank != RANK_IDLE);
		l->nr_queued_fair = READ_ONCE(rq->fair.tree.count);
		l->fair_weight = READ_ONCE(rq->fair.queued_weight) +
				 (l->curr_rank == RANK_FAIR ?
					  READ_ONCE(rq->snap_weight) :
					  0);
		l->fair_capacity = (uint16_t)rq_fair_capacity(rq, now_ns);
		l->curr_stint_ns = stint;
		uint64_t at = READ_ONCE(rq->snap_at_ns);

		/* vruntime grows linearly while a thread runs: extrapolate
		 * from the owner's summary, never touch the remote thread. */
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

/* ---- Applying decisions ------------------------------------------------------ */

/* The allowed-and-online mask of t (deadline home included). */
static void runnable_mask(const struct thread *t, struct cpumask *m)
{
	cpumask_clear(m);
	for (int cpu = 0; cpu < sched_nr_cpus; cpu++)
		if (thread_can_run_on(t, cpu))
			cpumask_set(m, cpu);
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

void balance_tick(int cpu, uint64_t now_ns)
{
	struct balance_load *loads = balance_scratch_loads(cpu);
	struct rq *rq = cpu_rq(cpu);
	struct cpumask m;

	int ncpus = balance_snapshot(loads, now_ns);

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

bool balance_pull(int cpu, uint64_t now_ns, int prev_rank)
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
	for (int i = 0; i < n; i++) {
		struct rq *src = cpu_rq(order[i]);
		struct thread *t = NULL;
		int my_rank;

		double_rq_lock(rq, src);
		/* Re-validate under the locks: what would run here next?
		 * (Throttled work queued here does not count: it cannot.) */
		my_rank = prev_rank;
		if (rq_top_runnable_rank(rq) > my_rank)
			my_rank = rq_top_runnable_rank(rq);
		/* Not while RT is throttled here: the pulled thread could
		 * not run until the window ends, while it may be about to
		 * run where it is (queued behind a preemption IPI). */
		t = rq->rt.throttled ? NULL : rt_class.pull(rq, src);
		if (t && thread_rank(t) <= my_rank)
			t = NULL;
		if (!t && my_rank == RANK_IDLE)
			t = fair_class.pull(rq, src);
		if (t) {
			/* No need_resched, no IPI: this CPU is inside
			 * schedule() and picks next. */
			sched_move_queued(src, rq, t, now_ns);
			sched_program_timer_locked(src, now_ns);
			double_rq_unlock(rq, src);
			return true;
		}
		double_rq_unlock(rq, src);
	}
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

