// SPDX-License-Identifier: MIT
/*
 * Whole-structure checkers: rq_check() (one run queue),
 * sched_check_all() (every run queue, and "every live thread is in exactly
 * one place"), and sched_check_work_conserving().
 *
 * They guarantee nothing by themselves; they make the guarantees of
 * core.c, the classes and balance.c checkable. The simulator runs them
 * after every event, DEBUG_CHECK runs rq_check inside schedule() when
 * sched_debug_checks is set, and the kernel should run the
 * work-conservation check from a periodic timer in debug builds. Each
 * failure logs the rule that broke and returns a negative number naming it.
 *
 * Read next: tools/schedsim/sim.c (where they run after every event).
 */
#include "sched/sched_internal.h"

/* ---- Checkers ---------------------------------------------------------------- */

#define CHECK(cond, code)                                                 \
	do {                                                              \
		if (!(cond)) {                                            \
			sched_log("sched: cpu%d: check '%s' failed (%d)", \
				  rq->cpu, #cond, (code));                \
			return (code);                                    \
		}                                                         \
	} while (0)

static int check_queued(struct rq *rq, struct thread *t,
			const struct sched_class *c)
{
	CHECK(t->class == c, -20);
	CHECK(t->state == THREAD_RUNNABLE, -21);
	CHECK(t->cpu == rq->cpu, -22);
	CHECK(t != rq->curr, -23);
	CHECK(thread_can_run_on(t, rq->cpu), -24);
	t->check_seen++;
	return 0;
}

int rq_check(struct rq *rq)
{
	struct thread *c = rq->curr;
	struct list_node *pos;
	struct rb_node *n;
	unsigned rt_count = 0, thr = 0;
	uint64_t fair_weight = 0;
	int err;

	ASSERT_HELD(&rq->lock);
	CHECK(c != NULL && c->cpu == rq->cpu, -10);
	CHECK(c == rq->idle || c->state == THREAD_RUNNING ||
		      c->state == THREAD_BLOCKED || c->state == THREAD_ZOMBIE,
	      -11);
	CHECK(!c->fair.node.linked && !c->dl.node.linked &&
		      !list_linked(&c->rt.node),
	      -12);
	/* A running thread whose mask just lost this CPU may finish its
	 * instant here, but a reschedule must already be on its way (or
	 * under way: picking). */
	CHECK(c == rq->idle || cpumask_test(&c->allowed, rq->cpu) ||
		      rq->need_resched || rq->picking,
	      -13);

	CHECK(rb_check(&rq->fair.tree, fair_less) == 0, -14);
	for (n = rb_first(&rq->fair.tree); n; n = rb_next(n)) {
		struct thread *t = container_of(n, struct thread, fair.node);

		if ((err = check_queued(rq, t, &fair_class)))
			return err;
		fair_weight += t->fair.weight;
	}
	/* What balancing weighs must be what is queued (issue 13). */
	CHECK(fair_weight == rq->fair.queued_weight, -47);

	for (int p = 0; p < SCHED_RT_NR_PRIO; p++) {
		bool bit = (rq->rt.bitmap[p / 64] >> (p % 64)) & 1;

		CHECK(bit == !list_empty(&rq->rt.queue[p]), -15);
		list_for_each(pos, &rq->rt.queue[p]) {
			struct thread *t = container_of(pos, struct thread,
							rt.node);
			CHECK(t->rt_priority == p, -16);
			if ((err = check_queued(rq, t, &rt_class)))
				return err;
			rt_count++;
		}
	}
	CHECK(rt_count == rq->rt.nr_queued, -17);

	CHECK(rb_check(&rq->dl.tree, dl_less) == 0, -18);
	for (n = rb_first(&rq->dl.tree); n; n = rb_next(n)) {
		struct thread *t = container_of(n, struct thread, dl.node);

		CHECK(!t->dl.throttled, -19);
		if ((err = check_queued(rq, t, &dl_class)))
			return err;
	}
	list_for_each(pos, &rq->dl.throttled) {
		struct thread *t = container_of(pos, struct thread,
						dl.throttle_node);
		CHECK(t->dl.throttled, -25);
		if ((err = check_queued(rq, t, &dl_class)))
			return err;
		thr++;
	}
	CHECK(thr == rq->dl.nr_throttled, -26);
	CHECK(rq->nr_queued == rq->fair.tree.count + rt_count +
				       rq->dl.tree.count + thr,
	      -27);

	CHECK(rb_check(&rq->sleepers, sched_sleep_less) == 0, -28);
	for (n = rb_first(&rq->sleepers); n; n = rb_next(n)) {
		struct thread *t = container_of(n, struct thread, sleep_node);

		CHECK(t->sleeping && t->state == THREAD_BLOCKED, -29);
		CHECK(t->cpu == rq->cpu, -30);
		t->check_seen++;
	}
	return 0;
}

#undef CHECK
#define CHECK(cond, code)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			sched_log("sched: thread %s: check '%s' failed (%d)", \
				  t->name, #cond, (code));                 \
			err = (code);                                      \
			goto out;                                          \
		}                                                          \
	} while (0)

/*
 * The domain group summaries (balance.c), all run-queue locks held: every
 * CPU's recorded share equals what its run queue holds now (no change
 * went unaccounted), and every group's summary equals the sum of its
 * CPUs' shares (no update lost or applied twice). O(CPUs x levels).
 */
static int check_group_summaries(void)
{
	const struct balance_domains *bd = balance_domains;

	if (!bd)
		return 0;
	for (int cpu = 0; cpu < bd->sd->nr_cpus && cpu < sched_nr_cpus; cpu++) {
		struct rq *rq = cpu_rq(cpu);
		struct balance_counts now = { 0 };

		if (rq->online)
			balance_counts_of(rq, &now);
		/* Capacity is accounted at events but decays between them:
		 * compare the counts, and the capacity only through the
		 * sums below. */
		now.fair_capacity = bd->cpu[cpu].added.fair_capacity;
		if (!balance_counts_equal(&now, &bd->cpu[cpu].added)) {
			sched_log("sched: cpu%d: check 'group summary share "
				  "== run queue' failed (-60)", cpu);
			return -60;
		}
	}
	for (int i = 0; i < bd->sd->nr_groups; i++) {
		const struct sched_group *g = &bd->sd->groups[i];
		const struct balance_counts *c = &bd->sums[i].c;
		struct balance_counts sum = { 0 };

		for_each_cpu(cpu, &g->span) {
			const struct balance_counts *a = &bd->cpu[cpu].added;

			sum.nr_running += a->nr_running;
			sum.nr_idle += a->nr_idle;
			sum.nr_queued_fair += a->nr_queued_fair;
			sum.nr_queued_other += a->nr_queued_other;
			sum.fair_weight += a->fair_weight;
			sum.fair_capacity += a->fair_capacity;
		}
		if (!balance_counts_equal(&sum, c)) {
			sched_log("sched: group of cpu%d (%s): check 'summary "
				  "== sum over its CPUs' failed (-61)",
				  g->first_cpu, sched_domain_level_name(g->level));
			return -61;
		}
	}
	return 0;
}

int sched_check_all(void)
{
	uint64_t flags = arch_irq_save();
	struct list_node *pos;
	int err = 0;

	for (int cpu = 0; cpu < sched_nr_cpus; cpu++)
		if (cpu_rq(cpu)->online)
			arch_spin_lock(&cpu_rq(cpu)->lock);
	arch_spin_lock(&sched_threads_lock);

	list_for_each(pos, &sched_threads_all)
		container_of(pos, struct thread, all_node)->check_seen = 0;
	for (int cpu = 0; cpu < sched_nr_cpus && !err; cpu++) {
		struct rq *rq = cpu_rq(cpu);

		if (!rq->online)
			continue;
		err = rq_check(rq);
		if (rq->curr != rq->idle)
			rq->curr->check_seen++;
	}
	if (!err)
		err = sched_topo_check(); /* the idle masks (topo.c) */
	if (!err)
		err = check_group_summaries();
	if (err)
		goto out;
	/* cpupri: every online CPU is in exactly the mask of the level of
	 * what it runs or has queued to run (sched/cpupri.h), so RT
	 * placement sees what a snapshot would. */
	for (int cpu = 0; cpu < sched_nr_cpus; cpu++) {
		struct rq *rq = cpu_rq(cpu);
		int top, rank, want;

		if (!rq->online)
			continue;
		top = rq_top_runnable_rank(rq);
		rank = top > rq->snap_rank ? top : rq->snap_rank;
		/* Throttled RT: no RT newcomer could run, the CPU is taken. */
		want = rq->rt.throttled ? CPUPRI_LEVEL_DL :
					  cpupri_level_of(rank);
		if (sched_cpupri.cpu_level[cpu] != want) {
			sched_log("sched: cpu%d: check 'cpupri level %d == "
				  "level of rank %d (rt throttled %d)' failed "
				  "(-50)", cpu, sched_cpupri.cpu_level[cpu], rank,
				  rq->rt.throttled);
			err = -50;
			goto out;
		}
	}
	err = cpupri_check(&sched_cpupri);
	if (err) {
		sched_log("sched: check 'cpupri masks and counts' failed "
			  "(%d, -51)", err);
		err = -51;
		goto out;
	}
	/* Every live thread is in exactly one place. */
	list_for_each(pos, &sched_threads_all) {
		struct thread *t = container_of(pos, struct thread, all_node);

		/* On a wait queue means blocked there, and linked (waiting_on
		 * is written under the rq lock too: sched.h). A RUNNING
		 * thread still on a queue is the double-link bug of issue 9
		 * defect 3. */
		if (t->waiting_on)
			CHECK(t->state == THREAD_BLOCKED &&
				      list_linked(&t->wait_node),
			      -45);
		else
			CHECK(!list_linked(&t->wait_node), -46);
		switch (t->state) {
		case THREAD_RUNNING:
			CHECK(t->check_seen == 1 && cpu_rq(t->cpu)->curr == t,
			      -40);
			break;
		case THREAD_RUNNABLE:
			CHECK(t->check_seen == 1, -41);
			break;
		case THREAD_BLOCKED:
			/* Sleeping: once in a sleep tree. Otherwise on a
			 * wait queue, or curr on its way out. */
			CHECK(t->check_seen == (t->sleeping ? 1u : 0u) +
						       (cpu_rq(t->cpu)->curr == t),
			      -42);
			break;
		case THREAD_ZOMBIE:
			CHECK(t->check_seen == (cpu_rq(t->cpu)->curr == t), -43);
			break;
		default:
			CHECK(!"thread table holds a NEW or DEAD thread", -44);
		}
	}
out:
	arch_spin_unlock(&sched_threads_lock);
	for (int cpu = sched_nr_cpus - 1; cpu >= 0; cpu--)
		if (cpu_rq(cpu)->online)
			arch_spin_unlock(&cpu_rq(cpu)->lock);
	arch_irq_restore(flags);
	return err;
}

/*
 * A thread queued on src, allowed on cpu, that has been waiting while cpu
 * was idle for longer than limit_ns: the overlap of the two intervals is
 * what counts (a thread queued this instant next to a long-idle CPU is the
 * normal first step of a wakeup, not a violation).
 */
static struct thread *waiting_for_idle_cpu(struct rq *src, int cpu,
					   uint64_t idle_since_ns,
					   uint64_t now_ns, uint64_t limit_ns)
{
	struct rb_node *n;
	struct list_node *pos;

/* Stamps taken by other CPUs may be newer than the caller's now_ns (read
 * before the locks): such an overlap has only just begun. */
#define OVERLAP_START(t)                                                  \
	((t)->wait_start_ns > idle_since_ns ? (t)->wait_start_ns : idle_since_ns)
#define OVERLAP_TOO_LONG(t)                                               \
	(now_ns > OVERLAP_START(t) && now_ns - OVERLAP_START(t) > limit_ns)

	for (n = rb_first(&src->fair.tree); n; n = rb_next(n)) {
		struct thread *t = container_of(n, struct thread, fair.node);
		if (thread_can_run_on(t, cpu) && OVERLAP_TOO_LONG(t))
			return t;
	}
	for (int p = 0; p < SCHED_RT_NR_PRIO; p++)
		list_for_each(pos, &src->rt.queue[p]) {
			struct thread *t = container_of(pos, struct thread,
							rt.node);
			if (thread_can_run_on(t, cpu) && OVERLAP_TOO_LONG(t))
				return t;
		}
#undef OVERLAP_TOO_LONG
#undef OVERLAP_START
	return NULL; /* deadline threads never leave their home CPU */
}

uint64_t sched_wc_late_deliveries;

int sched_check_work_conserving(uint64_t now_ns)
{
	uint64_t flags = arch_irq_save();
	int err = 0;

	for (int cpu = 0; cpu < sched_nr_cpus; cpu++)
		if (cpu_rq(cpu)->online)
			arch_spin_lock(&cpu_rq(cpu)->lock);
	for (int cpu = 0; cpu < sched_nr_cpus && !err; cpu++) {
		struct rq *rq = cpu_rq(cpu);

		if (!rq->online || rq->curr != rq->idle ||
		    now_ns <= rq->idle_since_ns || /* stamped after our now */
		    now_ns - rq->idle_since_ns <=
			    sched_tunables.balance_interval_ns)
			continue;
		for (int src = 0; src < sched_nr_cpus; src++) {
			struct thread *t;

			if (src == cpu || !cpu_rq(src)->online)
				continue;
			t = waiting_for_idle_cpu(cpu_rq(src), cpu,
						 rq->idle_since_ns, now_ns,
						 sched_tunables.balance_interval_ns);
			if (!t)
				continue;
			/* The scheduler decided (need_resched set, IPI sent)
			 * and the idle CPU has not acted yet: delivery, not a
			 * decision. Under emulation a vCPU can sit unscheduled
			 * by the host for tens of ms, so that wait has its own,
			 * longer bound; a decision never made fails at once. */
			uint64_t told_ns = rq->picking ? rq->picking_since_ns :
					   rq->need_resched ? rq->resched_sent_ns :
							      0;
			/* Also a CPU inside schedule() (picking: its pull
			 * dropped the lock) is acting already, just not
			 * running: the same bound. */
			bool acting = rq->need_resched || rq->picking;
			/* The waiter's CPU has a periodic pass due that it has
			 * not run: its CPU has not taken its timer yet (a vCPU
			 * the host left unscheduled), so no decision was made
			 * wrongly, one is late. Same bound, counted from when
			 * the pass fell due; a pass that ran and left the
			 * waiter there moved next_balance_ns into the future
			 * and still fails at once. */
			uint64_t due = READ_ONCE(cpu_rq(src)->next_balance_ns);
			bool src_late = false;
			if (!acting && due <= now_ns) {
				acting = src_late = true;
				told_ns = due;
			}
			/* The waiter's own CPU is idle and told to reschedule
			 * (or inside schedule()): it takes the waiter itself
			 * when it runs, and nobody else is kicked for a thread
			 * queued on an idle CPU (wake_common). Delivery there,
			 * not a decision: the same bound, from when the waiter
			 * was queued; it covers this source only. */
			if (!acting && cpu_rq(src)->curr == cpu_rq(src)->idle &&
			    (cpu_rq(src)->need_resched || cpu_rq(src)->picking)) {
				acting = src_late = true;
				told_ns = t->wait_start_ns;
			}
			if (acting &&
			    (now_ns <= told_ns || /* after our now */
			     now_ns - told_ns <=
				     SCHED_DELIVERY_LIMIT_INTERVALS *
					     sched_tunables.balance_interval_ns)) {
				sched_wc_late_deliveries++;
				/* The idle CPU acting covers every source; a
				 * late pass covers only this one. */
				if (src_late)
					continue;
				break;
			}
			sched_log("sched: work conservation: cpu%d idle %llu ns "
				  "while %s waits on cpu%d (%s)",
				  cpu,
				  (unsigned long long)(now_ns - rq->idle_since_ns),
				  t->name, src,
				  rq->picking ? "inside schedule(), never "
						"finished" :
				  rq->need_resched ? "told to reschedule, never "
						     "acted" :
				  src_late ? "its periodic pass due, never "
					     "ran" :
					     "never told to reschedule");
			err = -1;
			break;
		}
	}
	for (int cpu = sched_nr_cpus - 1; cpu >= 0; cpu--)
		if (cpu_rq(cpu)->online)
			arch_spin_unlock(&cpu_rq(cpu)->lock);
	arch_irq_restore(flags);
	return err;
}
