// SPDX-License-Identifier: MIT
/*
 * Scheduler core: the class walk, schedule(), wakeups and preemption, the
 * timer and IPI entry points, and tickless timer programming. (The
 * checkers are in check.c, the tunables in config.c.)
 *
 * What it guarantees:
 * - The most urgent runnable class always runs: the walk below visits
 *   deadline, rt, fair, idle in that order and idle always has a thread.
 * - A wakeup that must preempt another CPU sends exactly one reschedule IPI;
 *   a remote CPU is otherwise interrupted only when it is idle or its timer
 *   must be re-armed earlier (it was tickless and now has work to share).
 * - Tickless: a CPU's timer is programmed to the earliest of its classes'
 *   next_event_ns hooks and its sleepers; with one runnable thread and
 *   nothing else needing time, no timer at all.
 *
 * Serialization rules (the lock order; docs/scheduler.md mirrors it):
 *
 *   sched_attr_lock            admission (deadline bandwidth sums),
 *                              attribute / affinity changes, thread exit
 *     -> wait_queue.lock       a wait queue's waiter list (and, with the
 *                              waiter's rq->lock, its waiting_on)
 *       -> rq->lock            one CPU's run queue, its threads' scheduling
 *                              fields, its sleepers and statistics
 *         -> rq->lock          a second run queue: always the lower CPU id
 *                              first (double_rq_lock)
 *           -> sched_threads_lock  the table of live threads (leaf)
 *
 * Interrupts are off whenever an rq->lock is held. A thread's scheduling
 * fields belong to rq(t->cpu); t->cpu changes only with both run-queue
 * locks held, so "lock rq(t->cpu), re-read t->cpu" pins a thread
 * (thread_rq_lock). Remote run queues are read without locks only through
 * balance_snapshot(), and every decision made from a snapshot is
 * re-validated under the locks before it is applied.
 *
 * The switch path is flat: __schedule does its new-idle pull before it
 * puts prev back (dropping rq->lock to take the source's in order), and
 * sched_finish_switch never switches; schedule() loops on need_resched.
 * Nothing here reads the CPU id with interrupts on (a thread may migrate
 * at any interrupt exit).
 *
 * Read next: fair.c (the common class), then balance.c.
 */
#include "sched/sched_internal.h"

#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"

#include <stdarg.h>

const struct sched_class *const sched_classes[SCHED_NR_CLASSES] = {
	&dl_class, &rt_class, &fair_class, &idle_class,
};

struct rq *sched_rqs;
int sched_possible_cpus;
int sched_nr_cpus;
struct cpumask sched_online_mask;
bool sched_debug_checks;
struct sched_lock sched_attr_lock;

/* The table of live (started, not yet joined) threads, for the checkers. */
struct sched_lock sched_threads_lock;
struct list_node sched_threads_all;

/* ---- Logging and tracing ------------------------------------------ */

void sched_log(const char *fmt, ...)
{
	char buf[192];
	va_list ap;

	va_start(ap, fmt);
	k_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	arch_log(buf);
}

const char *const sched_trace_event_names[STE_COUNT] = {
	[STE_SWITCH] = "switch",     [STE_NEW] = "new",
	[STE_CLASS] = "class",	     [STE_WAKEUP] = "wakeup",
	[STE_MIGRATE] = "migrate",   [STE_TIMER] = "timer",
	[STE_IPI] = "ipi",	     [STE_IPI_SEND] = "ipi_send",
	[STE_MISS] = "miss",	     [STE_THROTTLE] = "throttle",
};

static int tid_of(const struct thread *t)
{
	return t ? t->tid : SCHED_TRACE_NO_TID;
}

void sched_trace(uint64_t now_ns, int cpu, enum sched_trace_event event,
		 const struct thread *a, const struct thread *b, long long arg)
{
	bool named = event == STE_NEW || event == STE_CLASS;
	struct sched_trace_rec r = {
		.ns = now_ns,
		.cpu = cpu,
		.event = event,
		.tid_a = tid_of(a),
		.tid_b = tid_of(b),
		.arg = arg,
		.name = named && a ? a->name : NULL,
		.class_name = named && a && a->class ? a->class->name : NULL,
	};
	arch_trace_event(&r);
}

static int fmt_tid(char *buf, int size, int32_t tid)
{
	return tid == SCHED_TRACE_NO_TID ? k_snprintf(buf, size, "-") :
					   k_snprintf(buf, size, "%d", tid);
}

int sched_trace_format(const struct sched_trace_rec *r, char *buf, int size)
{
	char a[16], b[16];
	fmt_tid(a, sizeof(a), r->tid_a);
	fmt_tid(b, sizeof(b), r->tid_b);
	const char *ev = r->event >= 0 && r->event < STE_COUNT ?
				 sched_trace_event_names[r->event] :
				 "unknown";
	/* "<ns> <cpu> <event> <tid|-> <tid|-> <arg> [<name> <class>]" */
	if (r->name)
		return k_snprintf(buf, size, "%llu %d %s %s %s %lld %s %s",
				  (unsigned long long)r->ns, r->cpu, ev, a, b,
				  (long long)r->arg, r->name,
				  r->class_name ? r->class_name : "-");
	return k_snprintf(buf, size, "%llu %d %s %s %s %lld",
			  (unsigned long long)r->ns, r->cpu, ev, a, b,
			  (long long)r->arg);
}

int sched_trace_header(int ncpus, char *buf, int size)
{
	return k_snprintf(buf, size, "# cohort-sched-trace v2 cpus=%d", ncpus);
}

/* ---- Small helpers ----------------------------------------------------------- */

int sched_class_index(const struct sched_class *c)
{
	for (int i = 0; i < SCHED_NR_CLASSES; i++)
		if (sched_classes[i] == c)
			return i;
	SCHED_ASSERT(!"unknown scheduling class");
}

int thread_rank(const struct thread *t)
{
	if (t->class == &dl_class)
		return RANK_DL;
	if (t->class == &rt_class)
		return RANK_RT_BASE + t->rt_priority;
	if (t->class == &fair_class)
		return RANK_FAIR;
	return RANK_IDLE;
}

bool thread_can_run_on(const struct thread *t, int cpu)
{
	if (!cpu_online(cpu) || !cpumask_test(&t->allowed, cpu))
		return false;
	/* Deadline threads are partitioned: admission charged one CPU. */
	return t->class != &dl_class || t->dl.home_cpu == cpu;
}

void rq_update_snapshot(struct rq *rq)
{
	struct thread *c = rq->curr;

	WRITE_ONCE(rq->snap_rank, thread_rank(c));
	/* vruntime is accounted up to exec_start_ns (update_curr). */
	WRITE_ONCE(rq->snap_vruntime, c->fair.vruntime);
	WRITE_ONCE(rq->snap_at_ns, c->exec_start_ns);
	WRITE_ONCE(rq->snap_weight, c->fair.weight ? c->fair.weight :
						     SCHED_NICE_0_WEIGHT);
	rq_cpupri_update(rq);
	rq_idle_sync(rq);
	/* curr changed (a switch, a class or weight change): the group
	 * summaries follow (balance.c). */
	balance_account(rq);
}

void double_rq_lock(struct rq *a, struct rq *b)
{
	if (a == b) {
		arch_spin_lock(&a->lock);
	} else if (a->cpu < b->cpu) {
		arch_spin_lock(&a->lock);
		arch_spin_lock(&b->lock);
	} else {
		arch_spin_lock(&b->lock);
		arch_spin_lock(&a->lock);
	}
}

void double_rq_unlock(struct rq *a, struct rq *b)
{
	arch_spin_unlock(&a->lock);
	if (a != b)
		arch_spin_unlock(&b->lock);
}

/* Lock the run queue a thread belongs to (see the rules at the top). */
static struct rq *thread_rq_lock(struct thread *t)
{
	for (;;) {
		int cpu = READ_ONCE(t->cpu);
		struct rq *rq = cpu_rq(cpu);

		arch_spin_lock(&rq->lock);
		if (READ_ONCE(t->cpu) == cpu)
			return rq;
		arch_spin_unlock(&rq->lock);
	}
}

/* ---- Accounting ------------------------------------------------------------ */

static void update_curr(struct rq *rq, uint64_t now_ns)
{
	struct thread *c = rq->curr;
	uint64_t delta_ns;
	bool throttled;

	ASSERT_HELD(&rq->lock);
	rq_rtdl_util_update(rq, now_ns); /* before curr changes */
	if (now_ns <= c->exec_start_ns)
		return;
	delta_ns = now_ns - c->exec_start_ns;
	c->exec_start_ns = now_ns;
	c->stats.run_ns += delta_ns;
	if (c == rq->idle)
		rq->stats.idle_ns += delta_ns;
	else
		rq->stats.busy_ns += delta_ns;
	throttled = rq->rt.throttled;
	c->class->update_curr(rq, c, delta_ns, now_ns);
	if (rq->rt.throttled != throttled) /* queued RT work stops counting */
		rq_cpupri_update(rq);
}

void sched_account_all(void)
{
	for (int cpu = 0; cpu < sched_nr_cpus; cpu++) {
		struct rq *rq = cpu_rq(cpu);
		uint64_t flags;

		if (!rq->online)
			continue;
		flags = arch_irq_save();
		arch_spin_lock(&rq->lock);
		update_curr(rq, arch_now_ns());
		arch_spin_unlock(&rq->lock);
		arch_irq_restore(flags);
	}
}

void sched_account_current(void)
{
	uint64_t flags = arch_irq_save();
	struct rq *rq = cpu_rq(arch_this_cpu());

	arch_spin_lock(&rq->lock);
	update_curr(rq, arch_now_ns());
	arch_spin_unlock(&rq->lock);
	arch_irq_restore(flags);
}

/* ---- Queue membership ----------------------------------------------------- */

static void activate(struct rq *rq, struct thread *t, int flags,
		     uint64_t now_ns)
{
	t->state = THREAD_RUNNABLE;
	t->wait_start_ns = now_ns;
	t->class->enqueue(rq, t, flags, now_ns);
	rq->nr_queued++;
	rq_cpupri_update(rq);
	rq_idle_sync(rq);
	balance_account(rq);
}

void sched_move_queued(struct rq *src, struct rq *dst, struct thread *t,
		       uint64_t now_ns)
{
	ASSERT_HELD(&src->lock);
	ASSERT_HELD(&dst->lock);
	SCHED_ASSERT(t->state == THREAD_RUNNABLE && t->cpu == src->cpu);
	SCHED_ASSERT(thread_can_run_on(t, dst->cpu));
	t->class->dequeue(src, t);
	src->nr_queued--;
	WRITE_ONCE(t->cpu, dst->cpu);
	t->stats.migrations++;
	dst->stats.migrations_in++;
	t->class->enqueue(dst, t, ENQUEUE_MIGRATE, now_ns);
	dst->nr_queued++;
	rq_cpupri_update(src);
	rq_cpupri_update(dst);
	rq_idle_sync(src);
	rq_idle_sync(dst);
	balance_account(src);
	balance_account(dst);
	sched_trace(now_ns, dst->cpu, STE_MIGRATE, t, NULL, src->cpu);
}

static struct thread *pick_next_thread(struct rq *rq, uint64_t now_ns)
{
	/* The class walk: the one place that knows the order. */
	for (int i = 0; i < SCHED_NR_CLASSES; i++) {
		const struct sched_class *c = sched_classes[i];
		struct thread *t = c->pick_next(rq, now_ns);

		if (!t)
			continue;
		if (c != &idle_class)
			rq->nr_queued--;
		return t;
	}
	SCHED_ASSERT(!"idle class returned no thread");
}

/* ---- Timer programming (tickless) ---------------------------------------- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t rq_next_event(struct rq *rq, uint64_t now_ns)
{
	uint64_t ev = SCHED_TIMER_NONE;
	struct rb_node *s = rb_first(&rq->sleepers);

	for (int i = 0; i < SCHED_NR_CLASSES; i++)
		ev = min_u64(ev, sched_classes[i]->next_event_ns(rq, now_ns));
	if (s)
		ev = min_u64(ev, container_of(s, struct thread,
					      sleep_node)->wake_at_ns);
	/* Someone waits here: keep the periodic balance pass alive. */
	if (rq->nr_queued > 0)
		ev = min_u64(ev, rq->next_balance_ns);
	/* A decaying RT/DL use: the group summaries follow it (balance.c). */
	ev = min_u64(ev, balance_capacity_refresh_ns(rq));
	/* nohz off: a busy CPU takes the periodic tick as well. */
	if (!sched_tunables.nohz && rq->curr != rq->idle)
		ev = min_u64(ev, (now_ns / sched_tunables.tick_ns + 1) *
					 sched_tunables.tick_ns);
	return ev;
}

/*
 * Program rq's timer from its state. Only the owning CPU can program its
 * clockevent; for a remote rq that now needs an earlier event we send the
 * reschedule IPI without need_resched, and the target re-programs itself.
 */
static void rq_program_timer(struct rq *rq, uint64_t now_ns)
{
	uint64_t ev = rq_next_event(rq, now_ns);

	ASSERT_HELD(&rq->lock);
	if (rq->cpu == arch_this_cpu()) {
		if (ev != rq->timer_ns) {
			rq->timer_ns = ev;
			arch_set_timer(ev);
		}
	} else if (ev < rq->timer_ns && !rq->need_resched &&
		   !rq->timer_kicked) {
		/* need_resched or an earlier kick already has an IPI on the
		 * way, and the target re-programs from its whole state. */
		struct rq *me = cpu_rq(arch_this_cpu());

		__atomic_fetch_add(&me->stats.ipis_sent, 1, __ATOMIC_RELAXED);
		rq->timer_kicked = true;
		sched_trace(arch_now_ns(), me->cpu, STE_IPI_SEND, NULL, NULL, rq->cpu);
		arch_send_resched(rq->cpu);
	}
}

void resched_rq(struct rq *rq)
{
	ASSERT_HELD(&rq->lock);
	if (rq->need_resched)
		return; /* already marked, and the IPI (if any) already sent */
	rq->need_resched = true;
	if (rq->cpu != arch_this_cpu()) {
		struct rq *me = cpu_rq(arch_this_cpu());

		rq->resched_sent_ns = arch_now_ns();
		__atomic_fetch_add(&me->stats.ipis_sent, 1, __ATOMIC_RELAXED);
		sched_trace(rq->resched_sent_ns, me->cpu, STE_IPI_SEND, NULL,
			    NULL, rq->cpu);
		arch_send_resched(rq->cpu);
	}
}

/* A runnable t was just queued on rq: must rq's current thread give way? */
static void check_preempt(struct rq *rq, struct thread *t)
{
	struct thread *c = rq->curr;
	int ti = sched_class_index(t->class), ci = sched_class_index(c->class);

	if (c == rq->idle || ti < ci ||
	    (ti == ci && t->class->wakeup_preempt(rq, t)))
		resched_rq(rq);
}

/* ---- schedule() -------------------------------------------------------------- */

int rq_top_runnable_rank(const struct rq *rq)
{
	int p;

	if (rq->dl.tree.count) /* throttled ones sit on dl.throttled */
		return RANK_DL;
	if (!rq->rt.throttled && (p = rt_highest_queued_prio(rq)) >= 0)
		return RANK_RT_BASE + p;
	return rq->fair.tree.count ? RANK_FAIR : -1;
}

/* What prev would run at if it stays: nothing (RANK_IDLE) if it blocks,
 * may not stay, or is parked by its class's throttle. */
static int prev_stays_rank(const struct rq *rq, const struct thread *prev)
{
	if (prev == rq->idle || prev->state != THREAD_RUNNING ||
	    !thread_can_run_on(prev, rq->cpu))
		return RANK_IDLE;
	if ((prev->class == &dl_class && prev->dl.throttled) ||
	    (prev->class == &rt_class && rq->rt.throttled))
		return RANK_IDLE;
	return thread_rank(prev);
}

/*
 * The new-idle pull, as part of picking the next thread (returns true if
 * it looked as an idle CPU): if what would run
 * here next (prev, if it stays runnable, or the best queued thread) is
 * less urgent than work queued elsewhere, move that work here first. It
 * runs before prev is put back, because the run-queue lock is dropped to
 * take the source's lock in order: a queued prev could otherwise be pulled
 * away while its registers are still live on this CPU (Linux does its
 * balance pass before put_prev for the same reason). While the lock is
 * dropped prev stays rq->curr; a waker may make it RUNNING again and
 * another CPU may queue work here, mark need_resched or kick the timer:
 * __schedule reads all of that after re-taking the lock.
 *
 * Doing it here, never after the switch, is what keeps the switch path
 * flat: a pull in sched_finish_switch had to call schedule() again from
 * inside it, so each consecutive pull by the idle thread left another
 * level of frames on its stack, and a thread switched out there resumed
 * later, maybe on another CPU, with the old CPU's post-switch work to do.
 */
static bool newidle_pull(struct rq *rq, struct thread *prev, uint64_t now_ns)
{
	int prev_rank = prev_stays_rank(rq, prev);
	int top = rq_top_runnable_rank(rq);
	bool idle = prev_rank == RANK_IDLE && top < 0;

	if (prev_rank == RANK_DL || top == RANK_DL)
		return false; /* nothing is pulled ahead of deadline work */
	if (idle) {
		/*
		 * About to idle: say so before looking. A waker queues its
		 * thread, then looks for idle CPUs (balance_kick_idle); we
		 * publish "idle", then look for queued work. With a full
		 * fence on each side at least one sees the other, so work
		 * queued after our snapshot still gets us kicked (both
		 * looking first is the store-buffer race). need_resched was
		 * cleared before this, so a kick now makes schedule() go
		 * round again.
		 */
		WRITE_ONCE(rq->snap_rank, RANK_IDLE);
		rq_cpupri_update(rq);
		rq_idle_sync(rq); /* the idle masks say it too */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	rq->picking = true;
	rq->picking_since_ns = now_ns;
	arch_spin_unlock(&rq->lock);
	RACE_POINT("schedule:pull");
	balance_pull(rq->cpu, now_ns, prev_rank);
	arch_spin_lock(&rq->lock);
	rq->picking = false;
	return idle;
}

/*
 * Pick and switch. rq->lock held, interrupts off. Returns true if it called
 * arch_switch (the caller must then call sched_finish_switch), false if the
 * current thread keeps the CPU (the caller unlocks).
 */
static bool __schedule(struct rq *rq, uint64_t now_ns)
{
	struct thread *prev = rq->curr, *next;
	bool preempted = false, yielded, looked_idle;

	ASSERT_HELD(&rq->lock);
	update_curr(rq, now_ns);
	/* Cleared before the pull drops the lock: a reschedule asked for
	 * while it is dropped (a kick, a wakeup here) stays asked for, and
	 * schedule() goes round again. */
	rq->need_resched = false;
	yielded = rq->yielding;
	rq->yielding = false;
	looked_idle = newidle_pull(rq, prev, now_ns);
	/* The pull dropped the lock: a thread queued here meanwhile carries
	 * a later stamp than our reading. Read again (wait_ns must not wrap)
	 * and charge the window to prev. */
	now_ns = arch_now_ns();
	update_curr(rq, now_ns);

	if (prev != rq->idle && prev->state == THREAD_RUNNING) {
		if (!thread_can_run_on(prev, rq->cpu)) {
			/* Affinity or deadline home changed under it: leave
			 * it off every queue and re-place it once its context
			 * is saved (sched_finish_switch). */
			prev->state = THREAD_BLOCKED;
			prev->replacing = true;
			rq->migrate_pending = prev;
		} else {
			prev->class->put_prev(rq, prev, now_ns);
			rq->nr_queued++;
			prev->state = THREAD_RUNNABLE;
			prev->wait_start_ns = now_ns;
		}
		preempted = !yielded;
	}

	next = pick_next_thread(rq, now_ns);
	SCHED_ASSERT(next == rq->idle || next->cpu == rq->cpu);
	/* Going idle, but the pull looked with work still queued here (it
	 * left meanwhile: moved, re-placed): go round once more, to look as
	 * an idle CPU. */
	if (next == rq->idle && !looked_idle)
		rq->need_resched = true;
	if (next != rq->idle) {
		next->state = THREAD_RUNNING;
		next->stats.wait_ns += now_ns - next->wait_start_ns;
		rq->stats.wait_ns += now_ns - next->wait_start_ns;
	}
	if (next == prev) {
		rq_update_snapshot(rq);
		rq_program_timer(rq, now_ns);
		DEBUG_CHECK(rq_check(rq));
		return false;
	}

	if (prev != rq->idle) {
		if (preempted) {
			prev->stats.involuntary_switches++;
			rq->stats.involuntary_switches++;
		} else {
			prev->stats.voluntary_switches++;
			rq->stats.voluntary_switches++;
		}
	}
	next->exec_start_ns = now_ns;
	rq->curr = next;
	rq->curr_stint_start_ns = now_ns;
	rq_update_snapshot(rq);
	if (next == rq->idle)
		rq->idle_since_ns = now_ns;
	rq->stats.switches++;
	atomic_store_explicit(&next->on_cpu, 1, memory_order_relaxed);
	rq->switch_prev = prev;
	sched_trace(now_ns, rq->cpu, STE_SWITCH, prev, next, prev->state);
	rq_program_timer(rq, now_ns);
	DEBUG_CHECK(rq_check(rq));
	arch_switch(prev, next);
	return true;
}

void sched_finish_switch(void)
{
	RACE_POINT("finish:enter");
	/* Interrupts are off until our caller is done: this CPU is ours. */
	struct rq *rq = cpu_rq(arch_this_cpu());
	struct thread *prev = rq->switch_prev, *moving = rq->migrate_pending;
	bool prev_exited;

	ASSERT_HELD(&rq->lock);
	rq->switch_prev = NULL;
	rq->migrate_pending = NULL;
	prev_exited = prev && prev->state == THREAD_ZOMBIE;
	/* prev's context is saved: from here another CPU may run it. An
	 * exited prev may be freed by its joiner as soon as on_cpu drops, so
	 * that store happens under its join queue's lock, after which we
	 * touch prev no more (wait_queue_release_and_wake_all). */
	if (prev && !prev_exited)
		atomic_store_explicit(&prev->on_cpu, 0, memory_order_release);
	arch_spin_unlock(&rq->lock);

	/* Queued RT work that could run elsewhere goes there (keeps "the
	 * most urgent runnable work runs somewhere"); other waiters (a
	 * preempted prev) wake idle CPUs that may take them. */
	if (READ_ONCE(rq->rt.nr_queued) > 0)
		balance_push_rt(rq->cpu, arch_now_ns());
	if (READ_ONCE(rq->nr_queued) > 0)
		balance_kick_idle(rq->cpu);
	/* Wakes that may mark this CPU for rescheduling, never switch:
	 * our caller loops on need_resched. */
	if (prev_exited)
		wait_queue_release_and_wake_all(&prev->join_wq, &prev->on_cpu);
	if (moving)
		sched_replace_thread(moving);
	RACE_POINT("finish:exit");
}

/* Switch until this CPU no longer needs to. Interrupts off. */
static void schedule_loop(void)
{
	do {
		struct rq *rq = cpu_rq(arch_this_cpu());

		arch_spin_lock(&rq->lock);
		if (__schedule(rq, arch_now_ns()))
			sched_finish_switch();
		else
			arch_spin_unlock(&rq->lock);
		/* We may be on another CPU now: read afresh. */
	} while (READ_ONCE(cpu_rq(arch_this_cpu())->need_resched));
}

void schedule(void)
{
	uint64_t flags = arch_irq_save();

	schedule_loop();
	arch_irq_restore(flags);
}

void sched_irq_exit(void)
{
	/* Interrupts off across the test and the switch, so the flag read
	 * is this CPU's and stays so. */
	uint64_t flags = arch_irq_save();

	if (READ_ONCE(cpu_rq(arch_this_cpu())->need_resched))
		schedule_loop();
	arch_irq_restore(flags);
}

/* Preemption point for thread-context callers after they woke someone. */
static void maybe_preempt(void)
{
	if (!arch_in_irq() && arch_preemptible())
		sched_irq_exit();
}

/* ---- Interrupt entry points ------------------------------------------------ */

/* Wake at most this many expired sleepers per batch (stack array). */
#define SLEEPER_BATCH 16

/* End of an interrupt entry point, rq->lock held: switch if this CPU must
 * (the lock then goes with the switch), else re-program the timer from the
 * current state and unlock. */
static void switch_or_rearm(struct rq *rq, uint64_t now_ns)
{
	/* The caller dropped the lock on the way here (sleeper wakes,
	 * balancing): read the clock again, under it. */
	now_ns = arch_now_ns();
	if (rq->need_resched && __schedule(rq, now_ns)) {
		sched_finish_switch();
		return;
	}
	rq_program_timer(rq, now_ns);
	arch_spin_unlock(&rq->lock);
}

void sched_timer_event(void)
{
	uint64_t flags = arch_irq_save(), now_ns;
	int cpu = arch_this_cpu();
	struct rq *rq = cpu_rq(cpu);
	struct thread *batch[SLEEPER_BATCH];
	unsigned seqs[SLEEPER_BATCH];
	bool refresh_due;
	int n;

	/* The clock is read under the lock: another CPU that stamped a
	 * thread here (wait_start_ns) did so under it with its own reading,
	 * which is then never later than ours (wait_ns cannot underflow). */
	arch_spin_lock(&rq->lock);
	now_ns = arch_now_ns();
	rq->timer_ns = SCHED_TIMER_NONE; /* it fired */
	rq->stats.timer_events++;
	sched_trace(now_ns, cpu, STE_TIMER, rq->curr, NULL, 0);
	do {
		/* Expired sleepers: take them off the tree under our lock,
		 * wake them without it (the wake may place them elsewhere). */
		struct rb_node *s;

		n = 0;
		while (n < SLEEPER_BATCH && (s = rb_first(&rq->sleepers))) {
			struct thread *t = container_of(s, struct thread,
							sleep_node);
			if (t->wake_at_ns > now_ns)
				break;
			rb_erase(&rq->sleepers, s);
			t->sleeping = false;
			batch[n] = t;
			seqs[n++] = t->block_seq;
		}
		arch_spin_unlock(&rq->lock);
		for (int i = 0; i < n; i++)
			sched_wake_internal(batch[i], true, seqs[i], false);
		arch_spin_lock(&rq->lock);
	} while (n == SLEEPER_BATCH);

	/* Read before update_curr moves the RT/DL average's stamp. */
	refresh_due = now_ns >= balance_capacity_refresh_ns(rq);
	update_curr(rq, now_ns);
	for (int i = 0; i < SCHED_NR_CLASSES; i++)
		sched_classes[i]->tick(rq, rq->curr, now_ns);
	rq_cpupri_update(rq); /* throttles and replenishments */
	/* The event balance_capacity_refresh_ns asked for: the capacity in
	 * the group summaries catches up with the decayed RT/DL use. (Only
	 * then: accounting it at every timer event made the summaries follow
	 * each trough of periodic RT/DL work, and rtdl-mix-64's fair-share
	 * error went from 15% to 21%.) */
	if (refresh_due)
		balance_account(rq);
	arch_spin_unlock(&rq->lock);

	balance_tick(cpu, now_ns);

	arch_spin_lock(&rq->lock);
	switch_or_rearm(rq, now_ns);
	arch_irq_restore(flags);
}

void sched_ipi(void)
{
	uint64_t flags = arch_irq_save(), now_ns;
	struct rq *rq = cpu_rq(arch_this_cpu());

	arch_spin_lock(&rq->lock);
	now_ns = arch_now_ns(); /* under the lock: see sched_timer_event */
	rq->stats.ipis_received++;
	rq->timer_kicked = false;
	sched_trace(now_ns, rq->cpu, STE_IPI, rq->curr, NULL, rq->need_resched);
	/* Without need_resched this was a timer kick: re-arm from the new
	 * state. */
	switch_or_rearm(rq, now_ns);
	arch_irq_restore(flags);
}

/* ---- Wakeups ---------------------------------------------------------------- */

/*
 * t (RT) was just queued on dst and will not run there now: dst runs work
 * at least as urgent, or its RT is throttled. select_cpu read cpupri
 * without locks, so another CPU may have started that work meanwhile
 * (e.g. in wake_common's relock window) while some allowed CPU runs less
 * urgent work. No switch on dst follows (no preemption), so nothing else
 * would look before dst's balance pass: the waker pushes it on at once,
 * as Linux's task_woken_rt does. dst->lock held.
 */
static bool rt_waits_behind(const struct rq *dst, const struct thread *t)
{
	return t->class == &rt_class &&
	       (dst->rt.throttled ||
		thread_rank(dst->curr) >= thread_rank(t));
}

/*
 * Make a blocked thread runnable on the CPU its class selects.
 * check_seq: only if it is still in the block that block_seq names (a
 * waker that found it earlier and acts now: timer batches, wait-queue
 * pops). may_preempt: the caller is in thread context and may be switched
 * out here. A thread blocked on a wait queue is left alone (WAKE_ON_QUEUE):
 * whoever wakes it must take it off the queue first, under the queue's
 * lock, or it would run on while still linked there.
 */
static enum wake_result wake_common(struct thread *t, bool check_seq,
				    unsigned seq, bool may_preempt,
				    bool replace)
{
	uint64_t flags = arch_irq_save(), now_ns;
	struct rq *src, *dst;
	int target;
	bool waits, rt_waits;

	for (;;) {
		src = thread_rq_lock(t);
		now_ns = arch_now_ns(); /* under the lock: see the timer */
		if (t->state != THREAD_BLOCKED || t->replacing != replace ||
		    (check_seq && t->block_seq != seq)) {
			arch_spin_unlock(&src->lock);
			arch_irq_restore(flags);
			return WAKE_NONE;
		}
		if (t->waiting_on) {
			arch_spin_unlock(&src->lock);
			arch_irq_restore(flags);
			return WAKE_ON_QUEUE;
		}
		/* From here on this is a wake of block number `seq`. */
		seq = t->block_seq;
		check_seq = true;
		if (t->sleeping) {
			rb_erase(&src->sleepers, &t->sleep_node);
			t->sleeping = false;
		}
		if (t == src->curr) {
			/* Woken between marking itself blocked and switching
			 * out: it simply keeps running. */
			t->state = THREAD_RUNNING;
			arch_spin_unlock(&src->lock);
			arch_irq_restore(flags);
			return WAKE_DONE;
		}
		/* Its context was saved before src->lock was released by the
		 * CPU that switched it out (sched_finish_switch), so it is
		 * off-CPU. */
		SCHED_ASSERT(!atomic_load_explicit(&t->on_cpu,
						   memory_order_acquire));

		target = t->class->select_cpu(t, t->cpu, now_ns);
		SCHED_ASSERT(thread_can_run_on(t, target));
		dst = cpu_rq(target);
		if (dst == src || dst->cpu > src->cpu) {
			if (dst != src)
				arch_spin_lock(&dst->lock);
			break;
		}
		/* Respect the order: drop src, take both, re-check. */
		arch_spin_unlock(&src->lock);
		RACE_POINT("wake:relock");
		double_rq_lock(src, dst);
		if (t->state != THREAD_BLOCKED || t->block_seq != seq ||
		    t->replacing != replace) {
			/* Someone else woke it (it may even have blocked
			 * again: that block is not ours to end). */
			double_rq_unlock(src, dst);
			arch_irq_restore(flags);
			return WAKE_NONE;
		}
		if (t->cpu == src->cpu && thread_can_run_on(t, target))
			break;
		/* Still ours to wake, but the target is no good any more
		 * (its affinity or deadline home changed meanwhile): choose
		 * again. Returning here would leave it blocked on nothing. */
		double_rq_unlock(src, dst);
	}
	if (dst != src) {
		WRITE_ONCE(t->cpu, target);
		t->stats.migrations++;
		dst->stats.migrations_in++;
		sched_trace(now_ns, target, STE_MIGRATE, t, NULL, src->cpu);
	}
	update_curr(dst, now_ns);
	t->replacing = false;
	activate(dst, t, ENQUEUE_WAKEUP, now_ns);
	sched_trace(now_ns, arch_this_cpu(), STE_WAKEUP, t, NULL, target);
	check_preempt(dst, t);
	rq_program_timer(dst, now_ns);
	waits = dst->curr != dst->idle;
	rt_waits = rt_waits_behind(dst, t);
	if (dst != src)
		arch_spin_unlock(&src->lock);
	arch_spin_unlock(&dst->lock);
	if (waits) /* queued behind running work: an idle CPU may take it */
		balance_kick_idle(dst->cpu);
	if (rt_waits)
		balance_push_rt(dst->cpu, arch_now_ns());
	arch_irq_restore(flags);
	if (may_preempt)
		maybe_preempt();
	return WAKE_DONE;
}

enum wake_result sched_wake_thread(struct thread *t, bool check_seq,
				   unsigned seq, bool may_preempt)
{
	return wake_common(t, check_seq, seq, may_preempt, false);
}

void sched_replace_thread(struct thread *t)
{
	/* Nobody else ends a transit (wake_common checks `replacing`), so
	 * this cannot fail. */
	enum wake_result r = wake_common(t, false, 0, false, true);

	SCHED_ASSERT(r == WAKE_DONE);
}

bool sched_wake_internal(struct thread *t, bool check_seq, unsigned seq,
			 bool may_preempt)
{
	return sched_wake_thread(t, check_seq, seq, may_preempt) == WAKE_DONE;
}

/* Start a new thread: like a wakeup, but it has no CPU yet. */
void sched_start_new(struct thread *t)
{
	uint64_t flags = arch_irq_save(), now_ns;
	struct rq *here = cpu_rq(arch_this_cpu());
	int target;
	struct rq *dst;
	bool waits, rt_waits;

	/*
	 * Account the creator's CPU first, so that the placement floor
	 * (fair.c's fair_vfloor) includes the creator's run time. A creator
	 * that ran alone (nohz: no timer event, nothing accounted) for
	 * seconds otherwise placed the threads it started on idle CPUs at
	 * the stale floor, and those queued behind it on its own CPU (whose
	 * placement accounts it: update_curr(dst) below) a slice behind its
	 * whole stint: one batch seconds apart in vruntime, more than the
	 * rotation wins back (test=timer,sched-share: 0 migrations, shares
	 * 100% apart; race-test's
	 * test_new_threads_start_level_after_a_long_stint).
	 */
	arch_spin_lock(&here->lock);
	update_curr(here, arch_now_ns()); /* under the lock: see sched_timer_event */
	arch_spin_unlock(&here->lock);
	now_ns = arch_now_ns();
	target = t->class->select_cpu(t, arch_this_cpu(), now_ns);
	dst = cpu_rq(target);

	SCHED_ASSERT(thread_can_run_on(t, target));
	arch_spin_lock(&dst->lock);
	WRITE_ONCE(t->cpu, target);
	update_curr(dst, now_ns);
	activate(dst, t, ENQUEUE_WAKEUP | ENQUEUE_NEW, now_ns);
	/* Into the table only once RUNNABLE, under the run-queue lock
	 * (rq->lock -> sched_threads_lock), so a checker holding every lock
	 * never sees a NEW thread there. */
	arch_spin_lock(&sched_threads_lock);
	list_add_tail(&sched_threads_all, &t->all_node);
	arch_spin_unlock(&sched_threads_lock);
	sched_trace(now_ns, arch_this_cpu(), STE_NEW, t, NULL, target);
	check_preempt(dst, t);
	rq_program_timer(dst, now_ns);
	waits = dst->curr != dst->idle;
	rt_waits = rt_waits_behind(dst, t);
	arch_spin_unlock(&dst->lock);
	if (waits) /* as in a wakeup */
		balance_kick_idle(target);
	if (rt_waits)
		balance_push_rt(target, arch_now_ns());
	arch_irq_restore(flags);
	maybe_preempt();
}

int sched_thread_snapshot(struct sched_thread_info *out, int max)
{
	uint64_t flags = arch_irq_save();
	int n = 0;

	arch_spin_lock(&sched_threads_lock);
	for (struct list_node *p = sched_threads_all.next;
	     p != &sched_threads_all; p = p->next, n++) {
		const struct thread *t = container_of(p, struct thread, all_node);
		if (n >= max)
			continue;
		struct sched_thread_info *i = &out[n];
		i->tid = t->tid;
		k_snprintf(i->name, sizeof(i->name), "%s", t->name);
		i->policy = READ_ONCE(t->policy);
		i->rt_priority = READ_ONCE(t->rt_priority);
		i->nice = READ_ONCE(t->nice);
		i->dl_runtime_ns = t->dl.runtime_ns;
		i->dl_deadline_ns = t->dl.deadline_ns;
		i->dl_period_ns = t->dl.period_ns;
		i->cpu = READ_ONCE(t->cpu);
		i->state = READ_ONCE(t->state);
		i->run_ns = t->stats.run_ns;
		i->wait_ns = t->stats.wait_ns;
		i->migrations = t->stats.migrations;
		i->switches = t->stats.voluntary_switches +
			      t->stats.involuntary_switches;
	}
	arch_spin_unlock(&sched_threads_lock);
	arch_irq_restore(flags);
	return n;
}

/* Remove a reaped thread from the table (thread_join). */
void sched_forget_thread(struct thread *t)
{
	arch_spin_lock(&sched_threads_lock);
	list_del(&t->all_node);
	arch_spin_unlock(&sched_threads_lock);
}

/* Attribute/affinity commit helpers used by thread.c (rq lock held). */
void sched_update_curr_locked(struct rq *rq, uint64_t now_ns)
{
	update_curr(rq, now_ns);
}

void sched_activate_locked(struct rq *rq, struct thread *t, int flags,
			   uint64_t now_ns)
{
	activate(rq, t, flags, now_ns);
	check_preempt(rq, t);
	rq_program_timer(rq, now_ns);
}

void sched_program_timer_locked(struct rq *rq, uint64_t now_ns)
{
	rq_program_timer(rq, now_ns);
}

struct rq *sched_thread_rq_lock(struct thread *t)
{
	return thread_rq_lock(t);
}

void sched_preempt_point(void)
{
	maybe_preempt();
}

/* ---- Bring-up ------------------------------------------------------------ */

/* Zeroed storage for n entries of `size` bytes, or an assertion failure
 * (boot cannot go on without its run queues). */
static void *percpu_table(int n, size_t size)
{
	void *p = arch_alloc((size_t)n * size);

	SCHED_ASSERT(p != NULL);
	return p;
}

/* The per-CPU tables, freed and allocated only here (see
 * sched_internal.h): run queues here, deadline bandwidth in deadline.c,
 * the balance scratch below. */
static struct balance_load *balance_loads_all;
static int *balance_order_all;

struct balance_load *balance_scratch_loads(int cpu)
{
	return &balance_loads_all[(size_t)cpu * (size_t)sched_possible_cpus];
}

int *balance_scratch_order(int cpu)
{
	return &balance_order_all[(size_t)cpu * (size_t)sched_possible_cpus];
}

void sched_init(int ncpus)
{
	SCHED_ASSERT(ncpus >= 1 && ncpus <= SCHED_MAX_CPUS);
	arch_free(sched_rqs);
	arch_free(balance_loads_all);
	arch_free(balance_order_all);
	balance_domains_detach(); /* before the tree it points into */
	sched_topo_reset();
	sched_possible_cpus = ncpus;
	sched_rqs = percpu_table(ncpus, sizeof(*sched_rqs));
	/* ncpus entries per CPU: at 1024 CPUs 40 MiB in all, which domains
	 * (docs/many-cores.md step 3) replace with per-group summaries. */
	balance_loads_all = percpu_table(ncpus * ncpus,
					 sizeof(*balance_loads_all));
	balance_order_all = percpu_table(ncpus * ncpus,
					 sizeof(*balance_order_all));
	sched_nr_cpus = 0;
	cpumask_clear(&sched_online_mask);
	arch_spin_init(&sched_attr_lock, "sched_attr");
	arch_spin_init(&sched_threads_lock, "sched_threads");
	list_init(&sched_threads_all);
	dl_reset();
	fair_reset();
	cpupri_init(&sched_cpupri, ncpus);
}

void sched_cpu_online(int cpu, struct thread *idle)
{
	struct rq *rq;
	uint64_t now_ns = arch_now_ns();

	SCHED_ASSERT(cpu >= 0 && cpu < sched_possible_cpus);
	rq = cpu_rq(cpu);
	SCHED_ASSERT(!rq->online);
	memset(rq, 0, sizeof(*rq));
	arch_spin_init(&rq->lock, "rq");
	rq->cpu = cpu;
	fair_rq_init(rq);
	rt_rq_init(rq);
	dl_rq_init(rq);
	rb_root_init(&rq->sleepers);

	memset(idle, 0, sizeof(*idle));
	k_snprintf(idle->name, sizeof(idle->name), "idle%d", cpu);
	idle->tid = -1 - cpu;
	idle->state = THREAD_RUNNING;
	idle->cpu = cpu;
	idle->class = &idle_class;
	idle->policy = SCHED_POLICY_IDLE;
	cpumask_set(&idle->allowed, cpu);
	idle->exec_start_ns = now_ns;
	list_init(&idle->wait_node);
	list_init(&idle->all_node);
	list_init(&idle->rt.node);
	list_init(&idle->dl.throttle_node);
	rb_node_init(&idle->sleep_node);
	atomic_store(&idle->on_cpu, 1);

	rq->idle = rq->curr = idle;
	rq->idle_since_ns = now_ns;
	rq->curr_stint_start_ns = now_ns;
	rq->timer_ns = SCHED_TIMER_NONE;
	rq->next_balance_ns = now_ns + sched_tunables.balance_interval_ns;
	/* Under the lock like every other snapshot update: once domains are
	 * attached it also accounts this CPU in the group summaries
	 * (balance_account asserts the lock). */
	arch_spin_lock(&rq->lock);
	rq_update_snapshot(rq);
	arch_spin_unlock(&rq->lock);
	/* Publish: APs come online in parallel, so the mask word and the
	 * CPU count are updated with atomic read-modify-writes (a plain |=
	 * could lose another CPU's bit, and that CPU would never take work),
	 * and with release order, so whoever sees this CPU online or counted
	 * also sees its initialised run queue. */
	__atomic_store_n(&rq->online, true, __ATOMIC_RELEASE);
	__atomic_fetch_or(&sched_online_mask.bits[cpu / 64], 1ULL << (cpu % 64),
			  __ATOMIC_RELEASE);
	for (int n = __atomic_load_n(&sched_nr_cpus, __ATOMIC_RELAXED);
	     n < cpu + 1 &&
	     !__atomic_compare_exchange_n(&sched_nr_cpus, &n, cpu + 1, false,
					  __ATOMIC_RELEASE, __ATOMIC_RELAXED);)
		;
	/* A CPU that comes online after the domains were attached (a late
	 * AP) enters the idle masks itself. The fence pairs with
	 * sched_set_topology's between publishing and looking at `online`:
	 * one of the two sees the other, and the sync is idempotent. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	arch_spin_lock(&rq->lock);
	rq_idle_sync(rq);
	balance_account(rq); /* the same pairing with balance_domains_attach */
	arch_spin_unlock(&rq->lock);
}

/* ---- Queries ---------------------------------------------------------------- */

struct thread *thread_current(void)
{
	/* Interrupts off so the CPU we read is the one we run on: after a
	 * migration between the two reads, another CPU's curr would come
	 * back. */
	uint64_t flags = arch_irq_save();
	struct thread *t = cpu_rq(arch_this_cpu())->curr;

	arch_irq_restore(flags);
	return t;
}

int sched_current_cpu(void)
{
	/* Pinned for the read only: the caller may be elsewhere by the time
	 * it looks at the answer (a statistic, never an index to act on). */
	uint64_t flags = arch_irq_save();
	int cpu = arch_this_cpu();

	arch_irq_restore(flags);
	return cpu;
}

struct thread *sched_cpu_curr(int cpu)
{
	return READ_ONCE(cpu_rq(cpu)->curr);
}

bool sched_cpu_curr_info(int cpu, int *tid, char name[16])
{
	struct rq *rq;
	uint64_t flags;

	if (cpu < 0 || cpu >= sched_possible_cpus || !cpu_online(cpu))
		return false;
	rq = cpu_rq(cpu);
	flags = arch_irq_save();
	arch_spin_lock(&rq->lock);
	/* curr cannot be reaped while it is curr: the join path needs this
	 * lock and a ZOMBIE's on_cpu to have dropped. */
	*tid = rq->curr->tid;
	memcpy(name, rq->curr->name, 16);
	name[15] = 0;
	arch_spin_unlock(&rq->lock);
	arch_irq_restore(flags);
	return true;
}

void sched_cpu_stats(int cpu, struct sched_cpu_stats *out)
{
	struct rq *rq = cpu_rq(cpu);
	uint64_t flags = arch_irq_save();

	arch_spin_lock(&rq->lock);
	*out = rq->stats;
	arch_spin_unlock(&rq->lock);
	arch_irq_restore(flags);
}

bool sched_sleep_less(const struct rb_node *a, const struct rb_node *b)
{
	return container_of(a, struct thread, sleep_node)->wake_at_ns <
	       container_of(b, struct thread, sleep_node)->wake_at_ns;
}
