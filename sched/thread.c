// SPDX-License-Identifier: MIT
/*
 * The thread API: create/exit/join bookkeeping, sleeping, yielding, wait
 * queues, scheduling attributes (a sched_setattr-like call) and affinity.
 *
 * Every call that takes outside input validates all of it first and then
 * commits in a step that cannot fail (seL4's rule): an error return means
 * nothing changed, and one log line says what was wrong. Attribute and
 * affinity changes hold sched_attr_lock across the check and the commit, so
 * a deadline admission decision cannot go stale between the two.
 *
 * Storage: callers own every struct thread (and the kernel its stack);
 * thread_join returning 0 is the point after which it may be freed.
 *
 * Read next: tools/schedsim/sim.c (how the simulator drives these calls).
 */
#include "sched/sched_internal.h"

#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"

static int next_tid = 1;

static const struct sched_class *class_of_policy(enum sched_policy p)
{
	switch (p) {
	case SCHED_POLICY_DEADLINE:
		return &dl_class;
	case SCHED_POLICY_FIFO:
	case SCHED_POLICY_RR:
		return &rt_class;
	case SCHED_POLICY_IDLE:
		return &idle_class;
	default:
		return &fair_class;
	}
}

/*
 * Validate an attribute: the policy here, the rest by its class's
 * check_attr. A deadline period of 0 means "equal to the deadline" (as in
 * Linux); *out is the normalised copy. Returns 0, -EINVAL or -ERANGE.
 */
static int attr_validate(const struct sched_attr *in, struct sched_attr *out)
{
	if (!in) {
		sched_log("sched: attr: NULL");
		return -EINVAL;
	}
	if ((unsigned)in->policy >= SCHED_POLICY_COUNT) {
		sched_log("sched: attr: invalid policy %d", (int)in->policy);
		return -EINVAL;
	}
	*out = *in;
	if (out->policy == SCHED_POLICY_DEADLINE && out->dl_period_ns == 0)
		out->dl_period_ns = out->dl_deadline_ns;
	return class_of_policy(out->policy)->check_attr(out);
}

/* Non-empty and at least one online CPU. */
static int mask_validate(const struct cpumask *m)
{
	if (!m || cpumask_empty(m)) {
		sched_log("sched: affinity: empty mask");
		return -EINVAL;
	}
	if (!cpumask_intersects(m, &sched_online_mask)) {
		sched_log("sched: affinity: mask has no online CPU");
		return -EINVAL;
	}
	return 0;
}

static void set_class_fields(struct thread *t, const struct sched_attr *a,
			     uint64_t now_ns)
{
	const struct sched_class *c = class_of_policy(a->policy);

	c->set_attr(t, a, now_ns); /* sees the old class, then we switch */
	t->class = c;
	t->policy = a->policy;
	if (c != &rt_class)
		t->rt_priority = 0;
	if (c != &fair_class)
		t->nice = 0;
}

void thread_init_links(struct thread *t)
{
	list_init(&t->rt.node);
	list_init(&t->dl.throttle_node);
	list_init(&t->wait_node);
	list_init(&t->all_node);
	rb_node_init(&t->fair.node);
	rb_node_init(&t->dl.node);
	rb_node_init(&t->sleep_node);
}

/* The node a deadline home search looks in first: the thread's home-node
 * hint (where its memory is), else the node it last ran on (t->cpu:
 * read under sched_attr_lock, a hint like the home node). */
static int dl_node_of(const struct thread *t)
{
	int home = thread_home_node(t);

	return home >= 0 ? home : sched_topo_node_of(READ_ONCE(t->cpu));
}

int thread_create(struct thread *t, const char *name,
		  const struct sched_attr *attr, const struct cpumask *mask)
{
	struct sched_attr a = { .policy = SCHED_POLICY_FAIR };
	struct cpumask m;
	int err, home = -1;

	if (!t || !name || !name[0]) {
		sched_log("sched: thread_create: NULL thread or empty name");
		return -EINVAL;
	}
	if (attr && (err = attr_validate(attr, &a)))
		return err;
	if (mask) {
		if ((err = mask_validate(mask)))
			return err;
		m = *mask;
	} else {
		m = sched_online_mask;
	}

	/* Interrupts off while the lock is held: an interrupt could end in a
	 * switch to a thread that needs this lock on this very CPU. */
	uint64_t flags = arch_irq_save();
	arch_spin_lock(&sched_attr_lock);
	if (a.policy == SCHED_POLICY_DEADLINE &&
	    (err = dl_admit(dl_bw_of(a.dl_runtime_ns, a.dl_period_ns), &m, -1,
			    0, sched_topo_node_of(arch_this_cpu()), &home))) {
		arch_spin_unlock(&sched_attr_lock);
		arch_irq_restore(flags);
		return err;
	}

	/* Commit: nothing below fails. The creator's fields (the glue's
	 * context, the owner cookie) were set before the call and survive. */
	void *arch_ctx = t->arch_ctx, *owner = t->owner;
	memset(t, 0, sizeof(*t));
	t->arch_ctx = arch_ctx;
	t->owner = owner;
	t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	k_snprintf(t->name, sizeof(t->name), "%s", name);
	t->state = THREAD_NEW;
	t->cpu = -1;
	t->allowed = m;
	t->class = NULL; /* entering its first class (fair starts at the floor) */
	thread_init_links(t);
	wait_queue_init(&t->join_wq, "join");
	set_class_fields(t, &a, arch_now_ns());
	if (t->class == &dl_class) {
		t->dl.home_cpu = home;
		dl_bw_charge(home, t->dl.bw);
	}
	arch_spin_unlock(&sched_attr_lock);
	arch_irq_restore(flags);

	sched_start_new(t);
	return 0;
}

void thread_exit(int code)
{
	uint64_t flags = arch_irq_save();
	struct rq *rq;
	struct thread *t;

	arch_spin_lock(&sched_attr_lock);
	rq = cpu_rq(arch_this_cpu());
	arch_spin_lock(&rq->lock);
	t = rq->curr;
	SCHED_ASSERT(t != rq->idle);
	if (t->class == &dl_class)
		dl_bw_release(t->dl.home_cpu, t->dl.bw);
	t->exit_code = code;
	t->state = THREAD_ZOMBIE;
	arch_spin_unlock(&rq->lock);
	arch_spin_unlock(&sched_attr_lock);
	arch_irq_restore(flags);
	/* Joiners are woken by sched_finish_switch once our context is
	 * saved, so a joiner never frees a stack still in use. */
	schedule();
}

static bool join_ready(void *arg)
{
	struct thread *t = arg;

	return READ_ONCE(t->state) == THREAD_ZOMBIE &&
	       !atomic_load_explicit(&t->on_cpu, memory_order_acquire);
}

int thread_join(struct thread *t, int *code)
{
	struct rq *rq;
	uint64_t flags;
	bool reaped = false;

	if (!t || t == thread_current() || t->state == THREAD_NEW ||
	    t->state == THREAD_DEAD) {
		sched_log("sched: thread_join: not a joinable thread");
		return -EINVAL;
	}
	if (wait_queue_block_if(&t->join_wq, join_ready, t))
		return -EAGAIN;
	flags = arch_irq_save();
	rq = sched_thread_rq_lock(t);
	if (t->state == THREAD_ZOMBIE) { /* two joiners: one reaps */
		/* DEAD and out of the thread table in one step (rq->lock ->
		 * sched_threads_lock is the documented order), so a checker
		 * holding every lock never sees a DEAD thread in the table. */
		t->state = THREAD_DEAD;
		sched_forget_thread(t);
		reaped = true;
	}
	arch_spin_unlock(&rq->lock);
	arch_irq_restore(flags);
	if (!reaped)
		return -EINVAL;
	if (code)
		*code = t->exit_code;
	return 0;
}

void thread_sleep_until(uint64_t wake_ns)
{
	uint64_t flags = arch_irq_save(), now_ns = arch_now_ns();
	struct rq *rq = cpu_rq(arch_this_cpu());
	struct thread *t;

	if (wake_ns <= now_ns) {
		arch_irq_restore(flags);
		thread_yield();
		return;
	}
	arch_spin_lock(&rq->lock);
	t = rq->curr;
	SCHED_ASSERT(t != rq->idle);
	if (t->interrupt_pending) { /* thread_interrupt came first */
		t->interrupt_pending = false;
		arch_spin_unlock(&rq->lock);
		arch_irq_restore(flags);
		return;
	}
	t->state = THREAD_BLOCKED;
	t->wake_at_ns = wake_ns;
	t->sleeping = true;
	t->block_seq++;
	rb_insert(&rq->sleepers, &t->sleep_node, sched_sleep_less);

	arch_spin_unlock(&rq->lock);
	arch_irq_restore(flags);
	schedule();
}

void thread_sleep_for(uint64_t duration_ns)
{
	thread_sleep_until(arch_now_ns() + duration_ns);
}

void thread_yield(void)
{
	uint64_t flags = arch_irq_save(), now_ns = arch_now_ns();
	struct rq *rq = cpu_rq(arch_this_cpu());
	struct thread *t;
	uint64_t release_ns;

	arch_spin_lock(&rq->lock);
	t = rq->curr;
	if (t == rq->idle) {
		arch_spin_unlock(&rq->lock);
		arch_irq_restore(flags);
		return;
	}
	sched_update_curr_locked(rq, now_ns);
	if (t->class == &dl_class) {
		/* End of job: sleep until the next release (or go on). */
		release_ns = dl_job_done(t, now_ns);
		arch_spin_unlock(&rq->lock);
		arch_irq_restore(flags);
		if (release_ns)
			thread_sleep_until(release_ns);
		else
			schedule();
		return;
	}
	if (t->class == &rt_class)
		t->rt.requeue_tail = true;
	else
		fair_yield(rq, t);
	rq->yielding = true;
	rq->need_resched = true;
	arch_spin_unlock(&rq->lock);
	arch_irq_restore(flags);
	schedule();
}

/*
 * Take t off wq and wake it, all under wq->lock (held): the one way a
 * waiter leaves a queue. waiting_on changes only with both its locks held
 * (sched.h), and the wake happens before the queue's lock is dropped, so
 * no other waker can run, exit and free t in between, and a joiner (which
 * must take this lock again before it can reap) cannot free the queue
 * while we still use it. Never preempts: the caller does, once unlocked.
 */
static bool wq_detach_and_wake(struct wait_queue *wq, struct thread *t)
{
	struct rq *rq = sched_thread_rq_lock(t);
	unsigned seq = t->block_seq;

	ASSERT_HELD(&wq->lock);
	SCHED_ASSERT(t->waiting_on == wq);
	list_del(&t->wait_node);
	t->waiting_on = NULL;
	arch_spin_unlock(&rq->lock);
	RACE_POINT("wq:detached");
	/* Off the queue, a thread_wake() may wake it first, and it may run
	 * and block again (a sleep): this wake is for the wait it was in. */
	return sched_wake_internal(t, true, seq, false);
}

bool thread_wake(struct thread *t)
{
	if (!t || READ_ONCE(t->cpu) < 0)
		return false; /* never started: nothing to wake */
	for (;;) {
		/* A racy read is enough to choose the path: the run-queue
		 * lock, taken by sched_wake_thread, tells for sure whether
		 * it is on a queue (then we come back here). */
		struct wait_queue *wq = READ_ONCE(t->waiting_on);

		/* TODO: the queue read here may be freed before we lock it (a
		 * join queue whose thread is reaped meanwhile; a queue on a
		 * stack). Closing that needs queue lifetimes the scheduler can
		 * see (a reference, or RCU-like deferral), which is bigger than
		 * this fix; found in review of issue 9, recorded there. */
		if (wq) {
			uint64_t flags = arch_irq_save();
			bool mine = false, woke = false;

			arch_spin_lock(&wq->lock);
			if (t->waiting_on == wq) {
				woke = wq_detach_and_wake(wq, t);
				mine = true;
			}
			arch_spin_unlock(&wq->lock);
			arch_irq_restore(flags);
			if (mine) {
				sched_preempt_point();
				return woke;
			}
			continue; /* it left that queue meanwhile: look again */
		}
		switch (sched_wake_thread(t, false, 0, true)) {
		case WAKE_DONE:
			return true;
		case WAKE_NONE:
			return false;
		case WAKE_ON_QUEUE:
			break; /* it blocked on a queue meanwhile */
		}
	}
}

void thread_set_name(struct thread *t, const char *name)
{
	uint64_t flags = arch_irq_save();
	int i = 0;

	/* Under the table lock sched_thread_snapshot copies names with, so
	 * `ps` never sees half a name. */
	arch_spin_lock(&sched_threads_lock);
	for (; name[i] && i < (int)sizeof(t->name) - 1; i++)
		t->name[i] = name[i];
	t->name[i] = 0;
	arch_spin_unlock(&sched_threads_lock);
	/* The trace tools learn names from NEW and CLASS events. */
	sched_trace(arch_now_ns(), arch_this_cpu(), STE_CLASS, t, NULL, 0);
	arch_irq_restore(flags);
}

bool thread_interrupt(struct thread *t)
{
	if (!t || READ_ONCE(t->cpu) < 0)
		return false; /* never started: it checks before it runs */
	for (;;) {
		if (thread_wake(t))
			return true;
		uint64_t flags = arch_irq_save();
		struct rq *rq = sched_thread_rq_lock(t);
		/* Blocked now (it blocked after thread_wake looked): wake it.
		 * Otherwise its next block must not start. */
		bool blocked = t->state == THREAD_BLOCKED && !t->replacing;
		if (!blocked)
			t->interrupt_pending = true;
		arch_spin_unlock(&rq->lock);
		arch_irq_restore(flags);
		if (!blocked)
			return false;
	}
}

/* ---- Attributes and affinity ------------------------------------------------ */

static bool thread_is_live(const struct thread *t);

/* Apply a validated change to t (attr and/or mask, home chosen). Holds
 * sched_attr_lock; takes t's rq lock. */
static void commit_change(struct thread *t, const struct sched_attr *a,
			  const struct cpumask *m, int home)
{
	uint64_t flags = arch_irq_save(), now_ns = arch_now_ns();
	struct rq *rq = sched_thread_rq_lock(t);
	bool queued = t->state == THREAD_RUNNABLE;
	bool running = rq->curr == t;

	ASSERT_HELD(&sched_attr_lock);
	SCHED_ASSERT(thread_is_live(t)); /* exit needs the attr lock */

	if (running)
		sched_update_curr_locked(rq, now_ns);
	if (queued) {
		t->class->dequeue(rq, t);
		rq->nr_queued--;
		rq_idle_sync(rq);
	}
	/* Everything below is the commit: validated, so nothing fails. */
	if (t->class == &dl_class)
		dl_bw_release(t->dl.home_cpu, t->dl.bw);
	if (a) {
		set_class_fields(t, a, now_ns);
		sched_trace(now_ns, arch_this_cpu(), STE_CLASS, t, NULL, 0);
	}
	if (m)
		t->allowed = *m;
	if (t->class == &dl_class) {
		t->dl.home_cpu = home;
		dl_bw_charge(home, t->dl.bw);
	}
	if (running) {
		rq_update_snapshot(rq);
		resched_rq(rq); /* re-evaluate; moves it if it may not stay */
		sched_program_timer_locked(rq, now_ns);
	}
	rq_cpupri_update(rq); /* t left the queue; activate re-adds it */
	if (queued && !thread_can_run_on(t, rq->cpu)) {
		/* It may not wait here any more: off every queue, it goes
		 * through the wakeup path, which places it on an allowed CPU.
		 * In transit (replacing), not blocked: no other waker may
		 * take this wakeup, so thread_wake() never reports waking a
		 * thread that did not block. */
		t->state = THREAD_BLOCKED;
		t->replacing = true;
		balance_account(rq); /* it left the queue */
		arch_spin_unlock(&rq->lock);
		arch_irq_restore(flags);
		sched_replace_thread(t);
		return;
	}
	if (queued)
		sched_activate_locked(rq, t, ENQUEUE_RESTORE, now_ns);
	arch_spin_unlock(&rq->lock);
	/* Still waiting here, maybe now allowed on an idle CPU (a wider
	 * mask, a class that may run elsewhere): let that CPU pull it. */
	if (queued)
		balance_kick_idle(rq->cpu);
	arch_irq_restore(flags);
}

static bool thread_is_live(const struct thread *t)
{
	return t && t->state != THREAD_NEW && t->state != THREAD_ZOMBIE &&
	       t->state != THREAD_DEAD && t->class != &idle_class;
}

/*
 * Take sched_attr_lock (interrupts off, see thread_create) if t is live.
 * Liveness is checked under the lock thread_exit holds to become a ZOMBIE:
 * checked before it, an exit in between made commit_change release (or
 * re-charge) a dead thread's deadline bandwidth. 0 with the lock held, or
 * -EINVAL with one log line and nothing held.
 */
static int attr_lock_live(const struct thread *t, const char *what,
			  uint64_t *flags)
{
	*flags = arch_irq_save();
	arch_spin_lock(&sched_attr_lock);
	if (thread_is_live(t))
		return 0;
	arch_spin_unlock(&sched_attr_lock);
	arch_irq_restore(*flags);
	sched_log("sched: %s: thread not live", what);
	return -EINVAL;
}

int thread_set_attr(struct thread *t, const struct sched_attr *attr)
{
	struct sched_attr a;
	int err, home = -1;

	if ((err = attr_validate(attr, &a)))
		return err;
	if (!t) {
		sched_log("sched: set_attr: NULL thread");
		return -EINVAL;
	}
	uint64_t flags;

	if ((err = attr_lock_live(t, "set_attr", &flags)))
		return err;
	if (a.policy == SCHED_POLICY_DEADLINE) {
		bool was_dl = t->class == &dl_class;

		err = dl_admit(dl_bw_of(a.dl_runtime_ns, a.dl_period_ns),
			       &t->allowed, was_dl ? t->dl.home_cpu : -1,
			       was_dl ? t->dl.bw : 0, dl_node_of(t), &home);
		if (err) {
			arch_spin_unlock(&sched_attr_lock);
			arch_irq_restore(flags);
			return err;
		}
	}
	commit_change(t, &a, NULL, home);
	arch_spin_unlock(&sched_attr_lock);
	arch_irq_restore(flags);
	sched_preempt_point();
	return 0;
}

void thread_get_attr(const struct thread *t, struct sched_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->policy = t->policy;
	attr->rt_priority = t->rt_priority;
	attr->nice = t->nice;
	if (t->class == &dl_class) {
		attr->dl_runtime_ns = t->dl.runtime_ns;
		attr->dl_deadline_ns = t->dl.deadline_ns;
		attr->dl_period_ns = t->dl.period_ns;
	}
}

int thread_set_affinity(struct thread *t, const struct cpumask *mask)
{
	int err, home = -1;

	if ((err = mask_validate(mask)))
		return err;
	if (!t) {
		sched_log("sched: set_affinity: NULL thread");
		return -EINVAL;
	}
	uint64_t flags;

	if ((err = attr_lock_live(t, "set_affinity", &flags)))
		return err;
	if (t->class == &dl_class &&
	    (err = dl_admit(t->dl.bw, mask, t->dl.home_cpu, t->dl.bw,
			    dl_node_of(t), &home))) {
		arch_spin_unlock(&sched_attr_lock);
		arch_irq_restore(flags);
		return err;
	}
	commit_change(t, NULL, mask, home);
	arch_spin_unlock(&sched_attr_lock);
	arch_irq_restore(flags);
	sched_preempt_point();
	return 0;
}

void thread_get_affinity(const struct thread *t, struct cpumask *mask)
{
	*mask = t->allowed;
}

/* ---- Wait queues ------------------------------------------------------------ */

void wait_queue_init(struct wait_queue *wq, const char *name)
{
	arch_spin_init(&wq->lock, name);
	list_init(&wq->waiters);
}

bool wait_queue_block_if(struct wait_queue *wq, bool (*cond)(void *),
			 void *arg)
{
	uint64_t flags = arch_irq_save();
	struct rq *rq = cpu_rq(arch_this_cpu());
	struct thread *t;

	arch_spin_lock(&wq->lock);
	if (cond(arg)) {
		arch_spin_unlock(&wq->lock);
		arch_irq_restore(flags);
		return false;
	}
	RACE_POINT("block:checked");
	arch_spin_lock(&rq->lock);
	t = rq->curr;
	SCHED_ASSERT(t != rq->idle);
	SCHED_ASSERT(!t->waiting_on && !list_linked(&t->wait_node));
	if (t->interrupt_pending) { /* thread_interrupt came first */
		t->interrupt_pending = false;
		arch_spin_unlock(&rq->lock);
		arch_spin_unlock(&wq->lock);
		arch_irq_restore(flags);
		return false;
	}
	/* Blocked and on the queue in one step under both locks, so no
	 * waker can see one without the other (sched.h, waiting_on). */
	t->state = THREAD_BLOCKED;
	t->block_seq++;
	t->waiting_on = wq;
	list_add_tail(&wq->waiters, &t->wait_node);
	arch_spin_unlock(&rq->lock);
	RACE_POINT("block:marked");
	arch_spin_unlock(&wq->lock);
	arch_irq_restore(flags);
	schedule();
	return true;
}

int wait_queue_wake_one(struct wait_queue *wq)
{
	uint64_t flags = arch_irq_save();
	struct list_node *n;
	int woke = 0;

	arch_spin_lock(&wq->lock);
	/* Every waiter is blocked (it is woken only by leaving the queue);
	 * the first one wakes unless a thread_wake() beat us to it. */
	if ((n = list_first(&wq->waiters)))
		woke = wq_detach_and_wake(
			wq, container_of(n, struct thread, wait_node));
	arch_spin_unlock(&wq->lock);
	arch_irq_restore(flags);
	sched_preempt_point();
	return woke;
}

/*
 * For an exited thread's join queue: under wq->lock, clear *on_cpu (the
 * moment the thread becomes reapable) and wake every waiter. A joiner
 * tests its condition under the same lock, so it can reap (and free the
 * queue's memory) only after we dropped the lock and left the queue for
 * good. Called from sched_finish_switch: never preempts.
 */
/* Wake every waiter of wq (wq->lock held); how many woke. */
static int wq_wake_all_locked(struct wait_queue *wq)
{
	struct list_node *n;
	int woke = 0;

	while ((n = list_first(&wq->waiters)))
		woke += wq_detach_and_wake(
			wq, container_of(n, struct thread, wait_node));
	return woke;
}

int wait_queue_release_and_wake_all(struct wait_queue *wq, atomic_int *on_cpu)
{
	uint64_t flags = arch_irq_save();
	int woke;

	arch_spin_lock(&wq->lock);
	atomic_store_explicit(on_cpu, 0, memory_order_release);
	woke = wq_wake_all_locked(wq);
	arch_spin_unlock(&wq->lock);
	arch_irq_restore(flags);
	return woke;
}

int wait_queue_wake_all(struct wait_queue *wq)
{
	uint64_t flags = arch_irq_save();
	int woke;

	arch_spin_lock(&wq->lock);
	woke = wq_wake_all_locked(wq);
	arch_spin_unlock(&wq->lock);
	arch_irq_restore(flags);
	sched_preempt_point();
	return woke;
}
