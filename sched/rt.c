// SPDX-License-Identifier: MIT
/*
 * The real-time class: fixed priorities 0..99, higher number more urgent
 * (as Linux's sched_param), FIFO and round-robin.
 *
 * Guarantees:
 * - O(1) pick: one FIFO list per priority and a 100-bit bitmap of the
 *   non-empty lists; the most urgent list is found with one count-leading-
 *   zeros per 64-bit word.
 * - Strict order: a woken thread preempts any lower priority at once
 *   (core.c's check_preempt); a preempted FIFO thread goes back to the head
 *   of its list (it keeps its place), a yielding or slice-expired RR thread
 *   to the tail.
 * - Throttle: on each CPU RT threads may run at most rt_runtime_ns in every
 *   rt_period_ns window (default 950 ms / 1 s). A runaway RT thread is then
 *   set aside until the window ends, and fair work progresses meanwhile.
 * - Across CPUs, balance.c pushes a queued RT thread to a CPU running less
 *   urgent work, and pulls one when a CPU drops to less urgent work, so the
 *   most urgent runnable RT threads are the ones running.
 *
 * Read next: deadline.c.
 */
#include "sched/sched_internal.h"

void rt_rq_init(struct rq *rq)
{
	for (int p = 0; p < SCHED_RT_NR_PRIO; p++)
		list_init(&rq->rt.queue[p]);
	rq->rt.bitmap[0] = rq->rt.bitmap[1] = 0;
	rq->rt.nr_queued = 0;
	rq->rt.window_start_ns = 0;
	rq->rt.window_used_ns = 0;
	rq->rt.throttled = false;
}

int rt_highest_queued_prio(const struct rq *rq)
{
	if (rq->rt.bitmap[1])
		return 64 + 63 - __builtin_clzll(rq->rt.bitmap[1]);
	if (rq->rt.bitmap[0])
		return 63 - __builtin_clzll(rq->rt.bitmap[0]);
	return -1;
}

static void rt_link(struct rq *rq, struct thread *t, bool head)
{
	int p = t->rt_priority;

	if (head)
		list_add_head(&rq->rt.queue[p], &t->rt.node);
	else
		list_add_tail(&rq->rt.queue[p], &t->rt.node);
	rq->rt.bitmap[p / 64] |= 1ull << (p % 64);
	rq->rt.nr_queued++;
}

static void rt_enqueue(struct rq *rq, struct thread *t, int flags,
		       uint64_t now_ns)
{
	(void)flags;
	(void)now_ns;
	if (t->policy == SCHED_POLICY_RR && t->rt.slice_left_ns == 0)
		t->rt.slice_left_ns = sched_tunables.rr_slice_ns;
	rt_link(rq, t, false);
}

static void rt_dequeue(struct rq *rq, struct thread *t)
{
	int p = t->rt_priority;

	list_del(&t->rt.node);
	if (list_empty(&rq->rt.queue[p]))
		rq->rt.bitmap[p / 64] &= ~(1ull << (p % 64));
	rq->rt.nr_queued--;
}

/* Start a new throttle window when the current one has ended. */
static void rt_roll_window(struct rq *rq, uint64_t now_ns)
{
	uint64_t period = sched_tunables.rt_period_ns;

	if (now_ns < rq->rt.window_start_ns + period)
		return;
	rq->rt.window_start_ns = now_ns - (now_ns - rq->rt.window_start_ns) %
						  period;
	rq->rt.window_used_ns = 0;
	rq->rt.throttled = false;
}

static struct thread *rt_pick_next(struct rq *rq, uint64_t now_ns)
{
	int p;
	struct thread *t;

	rt_roll_window(rq, now_ns);
	if (rq->rt.throttled)
		return NULL;
	p = rt_highest_queued_prio(rq);
	if (p < 0)
		return NULL;
	t = container_of(rq->rt.queue[p].next, struct thread, rt.node);
	rt_dequeue(rq, t);
	return t;
}

static void rt_put_prev(struct rq *rq, struct thread *t, uint64_t now_ns)
{
	(void)now_ns;
	rt_link(rq, t, !t->rt.requeue_tail);
	t->rt.requeue_tail = false;
}

static bool rt_throttle_enabled(void)
{
	return sched_tunables.rt_runtime_ns < sched_tunables.rt_period_ns;
}

static void rt_update_curr(struct rq *rq, struct thread *curr,
			   uint64_t delta_ns, uint64_t now_ns)
{
	if (curr->class != &rt_class)
		return;
	rt_roll_window(rq, now_ns);
	rq->rt.window_used_ns += delta_ns;
	if (curr->policy == SCHED_POLICY_RR)
		curr->rt.slice_left_ns -= delta_ns < curr->rt.slice_left_ns ?
						  delta_ns :
						  curr->rt.slice_left_ns;
	if (rt_throttle_enabled() && !rq->rt.throttled &&
	    rq->rt.window_used_ns >= sched_tunables.rt_runtime_ns) {
		rq->rt.throttled = true;
		curr->stats.throttle_events++;
		rq->stats.throttle_events++;
		rq->need_resched = true;
		sched_trace(now_ns, rq->cpu, STE_THROTTLE, curr, NULL, 0);
	}
}

static void rt_tick(struct rq *rq, struct thread *curr, uint64_t now_ns)
{
	bool was_throttled = rq->rt.throttled;

	rt_roll_window(rq, now_ns);
	/* Window over: queued RT work may run again, above fair. */
	if (was_throttled && !rq->rt.throttled && rq->rt.nr_queued &&
	    curr->class != &dl_class)
		rq->need_resched = true;
	if (curr->class == &rt_class && curr->policy == SCHED_POLICY_RR &&
	    curr->rt.slice_left_ns == 0) {
		curr->rt.slice_left_ns = sched_tunables.rr_slice_ns;
		/* Round robin only among equals; alone, keep running. */
		if (!list_empty(&rq->rt.queue[curr->rt_priority])) {
			curr->rt.requeue_tail = true;
			rq->need_resched = true;
		}
	}
}

static bool rt_wakeup_preempt(struct rq *rq, struct thread *t)
{
	return t->rt_priority > rq->curr->rt_priority;
}

static int rt_select_cpu(struct thread *t, int prev_cpu, uint64_t now_ns)
{
	/* Interrupts are off (a wake-up holds a run-queue lock): this CPU's
	 * scratch is ours (sched_internal.h). */
	struct balance_load *loads = balance_scratch_loads(arch_this_cpu());
	int cpu = sched_select_idle(t, prev_cpu);

	if (cpu >= 0)
		return cpu; /* nothing runs there: nothing less urgent exists */
	int n = balance_snapshot(loads, now_ns);

	cpu = balance_rt_target(loads, n, &t->allowed,
				thread_rank(t), prev_cpu);
	if (cpu >= 0 && thread_can_run_on(t, cpu))
		return cpu;
	/* Everyone runs more urgent work: wait on prev (or any allowed). */
	if (prev_cpu >= 0 && thread_can_run_on(t, prev_cpu))
		return prev_cpu;
	for (cpu = 0; cpu < sched_nr_cpus; cpu++)
		if (thread_can_run_on(t, cpu))
			return cpu;
	SCHED_ASSERT(!"rt thread with no allowed online CPU");
}

static struct thread *rt_pull(struct rq *dst, struct rq *src)
{
	struct list_node *pos;

	for (int p = SCHED_RT_NR_PRIO - 1; p >= 0; p--) {
		if (!((src->rt.bitmap[p / 64] >> (p % 64)) & 1))
			continue;
		list_for_each(pos, &src->rt.queue[p]) {
			struct thread *t = container_of(pos, struct thread,
							rt.node);
			if (thread_can_run_on(t, dst->cpu))
				return t;
		}
	}
	return NULL;
}

static uint64_t rt_next_event_ns(struct rq *rq, uint64_t now_ns)
{
	uint64_t ev = SCHED_TIMER_NONE, t;
	struct thread *c = rq->curr;

	if (rq->rt.throttled)
		return rq->rt.window_start_ns + sched_tunables.rt_period_ns;
	if (c->class != &rt_class)
		return SCHED_TIMER_NONE;
	if (rt_throttle_enabled()) {
		uint64_t left = sched_tunables.rt_runtime_ns -
				rq->rt.window_used_ns;
		uint64_t wend = rq->rt.window_start_ns +
				sched_tunables.rt_period_ns;
		/* Either the budget runs out or the window rolls first. */
		ev = now_ns + left < wend ? now_ns + left : wend;
	}
	if (c->policy == SCHED_POLICY_RR &&
	    !list_empty(&rq->rt.queue[c->rt_priority])) {
		t = now_ns + c->rt.slice_left_ns;
		if (t < ev)
			ev = t;
	}
	return ev;
}

static int rt_check_attr(const struct sched_attr *attr)
{
	if (attr->rt_priority < SCHED_RT_PRIO_MIN ||
	    attr->rt_priority > SCHED_RT_PRIO_MAX) {
		sched_log("sched: attr: rt priority %d outside [%d, %d]",
			  attr->rt_priority, SCHED_RT_PRIO_MIN,
			  SCHED_RT_PRIO_MAX);
		return -EINVAL;
	}
	if (attr->nice || attr->dl_runtime_ns || attr->dl_deadline_ns ||
	    attr->dl_period_ns) {
		sched_log("sched: attr: rt takes only a priority");
		return -EINVAL;
	}
	return 0;
}

static void rt_set_attr(struct thread *t, const struct sched_attr *attr,
			uint64_t now_ns)
{
	(void)now_ns;
	t->rt_priority = attr->rt_priority;
	t->rt.slice_left_ns = sched_tunables.rr_slice_ns;
	t->rt.requeue_tail = false;
}

const struct sched_class rt_class = {
	.name = "rt",
	.enqueue = rt_enqueue,
	.dequeue = rt_dequeue,
	.pick_next = rt_pick_next,
	.put_prev = rt_put_prev,
	.update_curr = rt_update_curr,
	.tick = rt_tick,
	.wakeup_preempt = rt_wakeup_preempt,
	.select_cpu = rt_select_cpu,
	.pull = rt_pull,
	.next_event_ns = rt_next_event_ns,
	.check_attr = rt_check_attr,
	.set_attr = rt_set_attr,
};
