// SPDX-License-Identifier: MIT
/*
 * The idle class: one idle thread per CPU (rq->idle), run when no other
 * class has a thread. The kernel's idle thread body halts with interrupts
 * enabled (`sti; hlt`) in a loop; that loop lives in the kernel glue,
 * because halting is the machine's business, not the scheduler's.
 *
 * Guarantees: pick_next always returns a thread, so the class walk in
 * core.c always ends here. The idle thread is never queued, never woken,
 * never migrated and has no attributes, so those hooks are asserting stubs
 * (as in Linux's idle class); check_attr refuses the idle policy with
 * -EINVAL, because that request comes from outside.
 *
 * Read next: balance.c (what an idle CPU does to find work).
 */
#include "sched/sched_internal.h"

static void idle_enqueue(struct rq *rq, struct thread *t, int flags,
			 uint64_t now_ns)
{
	(void)rq, (void)t, (void)flags, (void)now_ns;
	SCHED_ASSERT(!"the idle thread is never queued");
}

static void idle_dequeue(struct rq *rq, struct thread *t)
{
	(void)rq, (void)t;
	SCHED_ASSERT(!"the idle thread is never queued");
}

static struct thread *idle_pick_next(struct rq *rq, uint64_t now_ns)
{
	(void)now_ns;
	return rq->idle;
}

static void idle_put_prev(struct rq *rq, struct thread *t, uint64_t now_ns)
{
	(void)rq, (void)t, (void)now_ns;
	SCHED_ASSERT(!"core never puts the idle thread back");
}

static void idle_update_curr(struct rq *rq, struct thread *curr,
			     uint64_t delta_ns, uint64_t now_ns)
{
	/* Idle time is accounted by core (rq->stats.idle_ns). */
	(void)rq, (void)curr, (void)delta_ns, (void)now_ns;
}

static void idle_tick(struct rq *rq, struct thread *curr, uint64_t now_ns)
{
	(void)rq, (void)curr, (void)now_ns;
}

static bool idle_wakeup_preempt(struct rq *rq, struct thread *t)
{
	(void)rq, (void)t;
	SCHED_ASSERT(!"the idle thread is never woken");
}

static int idle_select_cpu(struct thread *t, int prev_cpu, uint64_t now_ns)
{
	(void)t, (void)prev_cpu, (void)now_ns;
	SCHED_ASSERT(!"the idle thread is never woken");
}

static struct thread *idle_pull(struct rq *dst, struct rq *src)
{
	(void)dst, (void)src;
	return NULL; /* idle threads are per CPU */
}

static uint64_t idle_next_event_ns(struct rq *rq, uint64_t now_ns)
{
	(void)rq, (void)now_ns;
	return SCHED_TIMER_NONE; /* an idle CPU needs no time */
}

static int idle_check_attr(const struct sched_attr *attr)
{
	/* Not an error to assert on: this is outside input (a caller asking
	 * for SCHED_POLICY_IDLE), so it is refused like any bad value. */
	(void)attr;
	sched_log("sched: attr: the idle policy is reserved for idle threads");
	return -EINVAL;
}

static void idle_set_attr(struct thread *t, const struct sched_attr *attr,
			  uint64_t now_ns)
{
	(void)t, (void)attr, (void)now_ns;
	SCHED_ASSERT(!"the idle thread has no attributes");
}

const struct sched_class idle_class = {
	.name = "idle",
	.enqueue = idle_enqueue,
	.dequeue = idle_dequeue,
	.pick_next = idle_pick_next,
	.put_prev = idle_put_prev,
	.update_curr = idle_update_curr,
	.tick = idle_tick,
	.wakeup_preempt = idle_wakeup_preempt,
	.select_cpu = idle_select_cpu,
	.pull = idle_pull,
	.next_event_ns = idle_next_event_ns,
	.check_attr = idle_check_attr,
	.set_attr = idle_set_attr,
};
