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
 * - Periodic pass (every balance_interval_ns on a CPU with waiters): if an
 *   allowed CPU has at least two fewer runnable threads, push one waiter
 *   there. Queue lengths end within one of each other (where affinity
 *   permits).
 * - New-idle pull (inside schedule(), before the switch: balance_pull): a
 *   CPU with nothing to run takes a waiting thread allowed on it from the
 *   busiest queue; a CPU about to drop to less urgent work takes a more
 *   urgent queued RT thread.
 * - RT push (after a switch, balance_push_rt): a queued RT thread that
 *   would preempt another allowed CPU's work moves there.
 * Hard affinity is re-checked under the locks before every move
 * (thread_can_run_on); deadline threads never move (deadline.c).
 *
 * Read next: thread.c.
 */
#include "sched/sched_internal.h"

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

int balance_push_target(const struct balance_load *loads, int n,
			const struct cpumask *allowed, int this_cpu)
{
	int best = -1;

	for (int cpu = 0; cpu < n; cpu++) {
		if (cpu == this_cpu || !loads[cpu].online ||
		    !cpumask_test(allowed, cpu))
			continue;
		if (best < 0 || loads[cpu].nr_running < loads[best].nr_running)
			best = cpu;
	}
	if (best >= 0 &&
	    loads[this_cpu].nr_running >= loads[best].nr_running + 2)
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

			if (a->top_queued_rank > b->top_queued_rank ||
			    (a->top_queued_rank == b->top_queued_rank &&
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
			/* RT or deadline runs here: no fair thread rotates
			 * in, but an idle CPU elsewhere can take the waiter. */
			target = balance_idle_target(loads, ncpus, &m);
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
		}
	}

	/* Queued RT work that could run elsewhere (e.g. behind a throttle
	 * or a more urgent thread here) goes there. */
	if (READ_ONCE(rq->rt.nr_queued))
		balance_push_rt(cpu, now_ns);

	/* Periodic pass: even out queue lengths. */
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
						     cpu);
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
		t = rt_class.pull(rq, src);
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
	struct balance_load *loads = balance_scratch_loads(cpu);
	struct rq *rq = cpu_rq(cpu);

	for (int tries = 0; tries < ROTATIONS_PER_TICK; tries++) {
		struct thread *t = NULL;
		struct list_node *pos;
		int target = -1;

		int n = balance_snapshot(loads, now_ns);

		arch_spin_lock(&rq->lock);
		for (int p = SCHED_RT_NR_PRIO - 1; p >= 0 && !t; p--) {
			list_for_each(pos, &rq->rt.queue[p]) {
				struct thread *c = container_of(pos, struct thread,
								rt.node);
				struct cpumask m;

				runnable_mask(c, &m);
				target = balance_rt_target(loads, n,
							   &m, thread_rank(c),
							   cpu);
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
	struct rb_node *node;
	struct list_node *pos;

	if (!READ_ONCE(rq->nr_queued))
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ncpus = __atomic_load_n(&sched_nr_cpus, __ATOMIC_ACQUIRE);
	/* Where may the waiters run? Most urgent first (deadline threads
	 * never move). Copied, so the kicks below need no lock of ours. */
	arch_spin_lock(&rq->lock);
	for (int p = SCHED_RT_NR_PRIO - 1; p >= 0 && nw < KICKS_PER_CALL; p--)
		list_for_each(pos, &rq->rt.queue[p])
			if (nw < KICKS_PER_CALL)
				runnable_mask(container_of(pos, struct thread,
							   rt.node),
					      &masks[nw++]);
	for (node = rb_first(&rq->fair.tree); node && nw < KICKS_PER_CALL;
	     node = rb_next(node))
		runnable_mask(container_of(node, struct thread, fair.node),
			      &masks[nw++]);
	arch_spin_unlock(&rq->lock);

	/* One idle CPU per waiter. A CPU counts as idle if it is, or is on
	 * its way there (newidle_pull published it), and has not been
	 * kicked already (need_resched): it will take one waiter, and two
	 * waiters sent to it would leave another idle CPU idle. Checked under
	 * its lock; a candidate that stopped being idle gives way to the
	 * next. */
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

