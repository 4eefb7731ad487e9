// SPDX-License-Identifier: MIT
/*
 * test=sched-stress: the scheduler under churn on every CPU, judged by
 * exact accounting at the end (docs/scheduler.md, "The stress test").
 *
 * Worker threads live in a table of slots. Each runs a random list of
 * operations drawn from its own seeded generator (its seed comes from its
 * creator's generator, the first from `stress_seed=`), so the operations a
 * thread performs are reproducible; the interleaving is not, which is the
 * point. Two roles keep every wakeup attributable:
 *
 *   Q threads sleep 10-200 us, block on four shared wait queues, wake
 *   them, yield, create children (Q or K) and join them. Nobody calls
 *   thread_wake on a Q thread, so a sleep that returns early is a spurious
 *   wakeup, and every blocked wait is ended by exactly one queue wake.
 *   K threads block only on a private wait queue that nobody wakes with
 *   wait_queue_wake_*: only thread_wake ends those waits, so per thread,
 *   thread_wake calls that returned true == waits that blocked.
 *
 * Both change random threads' attributes (fair with nice, RR, FIFO,
 * deadline with small budgets) and affinity, running or blocked, and wake
 * the shared queues and K threads. A controller (FIFO 90) keeps the
 * population up, nudges the queues every millisecond, reports progress,
 * and at the end stops everyone, joins everything and checks:
 *   - threads: created == joined, all within a bounded drain (a thread
 *     that never comes back, e.g. after a lost wakeup, is named);
 *   - wakeups: shared-queue waits == queue wakes; exit and reference
 *     waits == their wakes; per K thread, thread_wake hits == waits; no
 *     early sleep; no thread resumed from a wait still on the queue;
 *   - pages: pmm's free count equals the one taken before the first
 *     thread (the heap is warmed first, see warm_heap());
 *   - deadline bandwidth: back to empty on every CPU (admission probes);
 *   - work conservation: `sched_check=` ran during the stress (count and
 *     largest gap printed; a violation panics there), and the controller
 *     ran the same checks every 10 ms (a violation stops the run).
 *
 * Locking: each slot's lock guards its state, thread pointer and
 * reference count, nothing else. It is a leaf: never held across a
 * scheduler call (a wake may switch threads) or while taking another lock,
 * and never taken inside one (the joiner's wait condition reads the
 * reference count atomically instead). Counters a thread writes for itself
 * are plain; counters others write are atomics.
 */
#include "sched_stress.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "../drivers/tsc.h"
#include "../sched/sched.h"
#include "arch/x86.h"
#include "cmdline.h"
#include "cpu.h"
#include "kthread.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "spinlock.h"
#include "time.h"

#define US ((uint64_t)1000)
#define MS (1000 * US)
#define SEC (1000 * MS)

#define STRESS_DEFAULT_S 20
#define STRESS_DEFAULT_SEED 1
#define STRESS_SLOTS 64		/* most threads alive at once */
#define STRESS_THREADS_PER_CPU 6 /* population cap per CPU */
#define STRESS_TOP_PER_CPU 2	/* controller's own children per CPU */
#define STRESS_QUEUES 4		/* shared wait queues */
#define STRESS_KICK_NS MS	/* controller's nudge period */
/* Controller's own checks: 5 per default balance interval, so an overlap
 * longer than the interval is seen within 10 ms. Every nudge would be too
 * often: each check takes every run-queue lock with interrupts off, and
 * under TCG a vCPU preempted by the host while holding them stalls all. */
#define STRESS_CHECK_NS (10 * MS)
#define STRESS_PROGRESS_NS (5 * SEC)
/* After the stop, everyone must be joined within this (TCG, -smp 8 on a
 * busy host: generous; a healthy drain takes well under a second). */
#define STRESS_DRAIN_NS (30 * SEC)
#define STRESS_LIFE_MIN 10	/* operations per thread */
#define STRESS_LIFE_MAX 150
#define STRESS_CONTROLLER_PRIO 90
#define STRESS_RT_PRIO_MAX 40	/* workers stay below the controller */

enum stress_role { ROLE_Q, ROLE_K };

enum slot_state {
	SLOT_FREE,	/* nobody */
	SLOT_RESERVED,	/* the creator is filling it in */
	SLOT_LIVE,	/* the thread exists; others may take references */
	SLOT_CLOSING,	/* the joiner waits for references to drop */
};

struct slot {
	/* Guards state, t and changes of refs. A leaf: held for a few
	 * instructions, never across a scheduler call or another lock. */
	struct spinlock lock;
	enum slot_state state;
	struct thread *t;
	/* Operations in progress on t (its memory must stay). Changed under
	 * lock; atomic so the joiner's wait condition can read it without
	 * the lock (that runs under the wait queue's lock). */
	atomic_int refs;

	/* Written by the creator before the thread starts; read-only while
	 * the slot is not FREE. */
	int parent; /* slot index of the joiner; -1 = the controller */
	enum stress_role role;
	uint64_t seed;
	/* Set up once for the whole test, reused by every occupant. */
	struct wait_queue kick_wq; /* K only: ended only by thread_wake */
	struct wait_queue ref_wq;  /* the joiner waits here for refs == 0 */

	atomic_int finished; /* the body is done; the parent may join */

	/* Written only by the thread itself; read by its joiner after the
	 * join. */
	uint64_t ops, sleeps, sleeps_early, wq_blocks, exit_blocks, kick_blocks;
	uint64_t sleep_late_ns, sleep_late_max_ns; /* woken after wake_at by */

	/* Any waker: thread_wake() calls on this (K) thread that returned
	 * true / false. */
	atomic_ulong kicks, kicks_missed;
};

struct squeue {
	struct wait_queue wq;
	atomic_uint gen; /* bumped before every wake: the waiters' condition */
};

/* Everything the final accounting adds up; atomics, any thread adds. */
struct stress_totals {
	atomic_ulong created, joined, create_ebusy;
	atomic_ulong ops, sleeps, sleeps_early, yields;
	atomic_ulong sleep_late_ns, sleep_late_max_ns;
	atomic_ulong wq_blocks, wq_wakes, exit_blocks, exit_wakes;
	atomic_ulong ref_blocks, ref_wakes;
	atomic_ulong kick_blocks, kicks, kicks_missed;
	atomic_ulong attr_ok, attr_ebusy, attr_dead;
	atomic_ulong aff_ok, aff_ebusy, aff_dead;
	atomic_ulong unexpected; /* an API answer outside its contract */
	atomic_ulong still_queued; /* resumed from a wait, still linked on it */
	atomic_ulong per_thread_mismatch;
};

static struct slot slots[STRESS_SLOTS];
static struct squeue squeues[STRESS_QUEUES];
static struct wait_queue exit_wq; /* parents wait for `finished` here */
static struct stress_totals tot;
static atomic_int stress_stop;
static atomic_int live;	/* slots not FREE */
static int live_cap;
static int online[MAX_CPUS], n_online;

/* ---- Small helpers ---------------------------------------------------------- */

/* splitmix64: tiny, full period, good enough to pick operations. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_in(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + rnd(s) % (hi - lo + 1);
}

/* Busy for about ns, timed by the TSC: now_ns() may read the HPET, and
 * under TCG every HPET read takes QEMU's global lock, so dozens of
 * spinners polling it would slow every CPU's interrupts and timers. */
static void spin_for(uint64_t ns)
{
	uint64_t start = rdtsc();
	while (tsc_to_ns(rdtsc() - start) < ns)
		__asm__ volatile("pause");
}

static int slot_index(const struct slot *s)
{
	return (int)(s - slots);
}

static void random_attr(uint64_t *rng, struct sched_attr *a)
{
	memset(a, 0, sizeof(*a));
	switch (rnd(rng) % 8) {
	case 0: case 1: case 2: case 3:
		a->policy = SCHED_POLICY_FAIR;
		a->nice = (int)rnd_in(rng, 0, 39) + SCHED_NICE_MIN;
		break;
	case 4: case 5:
		a->policy = SCHED_POLICY_RR;
		a->rt_priority = (int)rnd_in(rng, 1, STRESS_RT_PRIO_MAX);
		break;
	case 6:
		a->policy = SCHED_POLICY_FIFO;
		a->rt_priority = (int)rnd_in(rng, 1, STRESS_RT_PRIO_MAX);
		break;
	default:
		/* 0.25% .. 5% of a CPU: admission mostly succeeds. */
		a->policy = SCHED_POLICY_DEADLINE;
		a->dl_runtime_ns = rnd_in(rng, 100, 500) * US;
		a->dl_period_ns = rnd_in(rng, 10, 40) * MS;
		a->dl_deadline_ns = a->dl_period_ns;
		break;
	}
}

/* All online CPUs, one, or a random non-empty subset. */
static void random_mask(uint64_t *rng, struct cpumask *m)
{
	cpumask_clear(m);
	switch (rnd(rng) % 4) {
	case 0:
		for (int i = 0; i < n_online; i++)
			cpumask_set(m, online[i]);
		break;
	case 1:
		cpumask_set(m, online[rnd(rng) % n_online]);
		break;
	default:
		for (int i = 0; i < n_online; i++)
			if (rnd(rng) & 1)
				cpumask_set(m, online[i]);
		if (cpumask_empty(m))
			cpumask_set(m, online[rnd(rng) % n_online]);
	}
}

static void unexpected(const char *what, int r)
{
	atomic_fetch_add(&tot.unexpected, 1);
	kprintf("sched-stress: unexpected result %d from %s", r, what);
}

/* ---- Slots: who may touch whose memory ------------------------------------- */

/*
 * A reference to a live thread (optionally of one role): up to `tries`
 * slots from a random start. A finished thread (about to exit, or a
 * zombie) is taken only one time in eight, so attribute calls on exiting
 * threads happen without flooding the log with their refusals.
 */
static struct slot *slot_get(uint64_t *rng, int role, int tries)
{
	int start = (int)(rnd(rng) % STRESS_SLOTS);
	bool take_finished = rnd(rng) % 8 == 0;

	for (int i = 0; i < tries; i++) {
		struct slot *s = &slots[(start + i) % STRESS_SLOTS];
		uint64_t f = spin_lock_irqsave(&s->lock);
		bool ok = s->state == SLOT_LIVE &&
			  (role < 0 || (int)s->role == role) &&
			  (take_finished || !atomic_load(&s->finished));
		if (ok)
			s->refs++;
		spin_unlock_irqrestore(&s->lock, f);
		if (ok)
			return s;
	}
	return 0;
}

/* Drop a reference; the last one out of a closing slot wakes its joiner. */
static void slot_put(struct slot *s)
{
	uint64_t f = spin_lock_irqsave(&s->lock);
	bool last = --s->refs == 0 && s->state == SLOT_CLOSING;
	spin_unlock_irqrestore(&s->lock, f);
	if (last)
		atomic_fetch_add(&tot.ref_wakes,
				 (unsigned long)wait_queue_wake_all(&s->ref_wq));
}

static bool no_refs(void *arg)
{
	return atomic_load(&((struct slot *)arg)->refs) == 0;
}

static void worker(void *arg);

/* The controller's sleeps (it is never woken any other way), measured:
 * a sleep that overruns by far points at a lost timer, not at the test. */
static uint64_t ctl_sleep_max_late_ns, ctl_sleep_last_late_ns;

static void ctl_sleep(uint64_t ns)
{
	uint64_t wake_at = now_ns() + ns;
	thread_sleep_until(wake_at);
	uint64_t now = now_ns();
	ctl_sleep_last_late_ns = now > wake_at ? now - wake_at : 0;
	if (now > wake_at && now - wake_at > ctl_sleep_max_late_ns) {
		ctl_sleep_max_late_ns = now - wake_at;
		if (ctl_sleep_max_late_ns > SEC)
			kprintf("sched-stress: the controller's %lu us sleep ended "
				"%lu ms late", ns / US, ctl_sleep_max_late_ns / MS);
	}
}

/* Create a worker whose joiner is slot `parent` (-1: the controller).
 * Returns false if no slot or the population is at its cap. */
static bool spawn(int parent, uint64_t *rng)
{
	if (atomic_fetch_add(&live, 1) >= live_cap) {
		atomic_fetch_sub(&live, 1);
		return false;
	}
	struct slot *c = 0;
	int start = (int)(rnd(rng) % STRESS_SLOTS);
	for (int i = 0; i < STRESS_SLOTS && !c; i++) {
		struct slot *s = &slots[(start + i) % STRESS_SLOTS];
		uint64_t f = spin_lock_irqsave(&s->lock);
		if (s->state == SLOT_FREE) {
			s->state = SLOT_RESERVED;
			c = s;
		}
		spin_unlock_irqrestore(&s->lock, f);
	}
	if (!c) {
		atomic_fetch_sub(&live, 1);
		return false;
	}
	/* Reserved: nobody else reads these until the slot is LIVE. */
	c->parent = parent;
	c->role = rnd(rng) % 3 == 0 ? ROLE_K : ROLE_Q;
	c->seed = rnd(rng);
	c->ops = c->sleeps = c->sleeps_early = 0;
	c->sleep_late_ns = c->sleep_late_max_ns = 0;
	c->wq_blocks = c->exit_blocks = c->kick_blocks = 0;
	atomic_store(&c->kicks, 0);
	atomic_store(&c->kicks_missed, 0);
	atomic_store(&c->finished, 0);

	struct sched_attr a, *ap = 0;
	struct cpumask m, *mp = 0;
	if (rnd(rng) & 1) {
		random_attr(rng, &a);
		ap = &a;
	}
	if (rnd(rng) & 1) {
		random_mask(rng, &m);
		mp = &m;
	}
	char name[16];
	k_snprintf(name, sizeof(name), "stress-%c%d", c->role == ROLE_K ? 'k' : 'q',
		   slot_index(c));
	int err;
	struct thread *t = kthread_create(name, worker, c, ap, mp, &err);
	uint64_t f = spin_lock_irqsave(&c->lock);
	c->t = t;
	c->state = t ? SLOT_LIVE : SLOT_FREE;
	spin_unlock_irqrestore(&c->lock, f);
	if (!t) {
		atomic_fetch_sub(&live, 1);
		if (err == -EBUSY)
			atomic_fetch_add(&tot.create_ebusy, 1);
		else
			unexpected("kthread_create", err);
		return false;
	}
	atomic_fetch_add(&tot.created, 1);
	return true;
}

static bool child_finished(void *arg)
{
	return atomic_load(&((struct slot *)arg)->finished);
}

/*
 * Join the thread in slot c. `me` is the joining worker (NULL: the
 * controller, which polls instead of blocking on exit_wq). Adds the
 * thread's counters to the totals and checks its own accounting.
 */
static void reap(struct slot *c, struct slot *me)
{
	while (!atomic_load(&c->finished)) {
		if (!me)
			ctl_sleep(STRESS_KICK_NS);
		else if (wait_queue_block_if(&exit_wq, child_finished, c))
			me->exit_blocks++;
	}
	/* No new references from here on; wait for the last one (never by
	 * polling: a polling RT joiner could starve the holder). */
	uint64_t f = spin_lock_irqsave(&c->lock);
	c->state = SLOT_CLOSING;
	spin_unlock_irqrestore(&c->lock, f);
	while (wait_queue_block_if(&c->ref_wq, no_refs, c))
		atomic_fetch_add(&tot.ref_blocks, 1);
	int tid = c->t->tid;
	kthread_join(c->t, 0);

	uint64_t kicks = atomic_load(&c->kicks);
	if (c->role == ROLE_K && kicks != c->kick_blocks) {
		atomic_fetch_add(&tot.per_thread_mismatch, 1);
		kprintf("sched-stress: thread stress-k%d (tid %d, seed %#lx): "
			"thread_wake returned true %lu times but it blocked %lu "
			"times", slot_index(c), tid, c->seed, kicks, c->kick_blocks);
	}
	if (c->sleeps_early) {
		atomic_fetch_add(&tot.per_thread_mismatch, 1);
		kprintf("sched-stress: thread stress-q%d (tid %d, seed %#lx): %lu "
			"of %lu sleeps ended early, and nobody woke it",
			slot_index(c), tid, c->seed, c->sleeps_early, c->sleeps);
	}
	atomic_fetch_add(&tot.ops, c->ops);
	atomic_fetch_add(&tot.sleeps, c->sleeps);
	atomic_fetch_add(&tot.sleeps_early, c->sleeps_early);
	atomic_fetch_add(&tot.sleep_late_ns, c->sleep_late_ns);
	for (uint64_t m = atomic_load(&tot.sleep_late_max_ns);
	     c->sleep_late_max_ns > m &&
	     !atomic_compare_exchange_weak(&tot.sleep_late_max_ns, &m,
					   c->sleep_late_max_ns);)
		;
	atomic_fetch_add(&tot.wq_blocks, c->wq_blocks);
	atomic_fetch_add(&tot.exit_blocks, c->exit_blocks);
	atomic_fetch_add(&tot.kick_blocks, c->kick_blocks);
	atomic_fetch_add(&tot.kicks, kicks);
	atomic_fetch_add(&tot.kicks_missed, atomic_load(&c->kicks_missed));
	atomic_fetch_add(&tot.joined, 1);

	f = spin_lock_irqsave(&c->lock);
	c->t = 0;
	c->state = SLOT_FREE;
	spin_unlock_irqrestore(&c->lock, f);
	atomic_fetch_sub(&live, 1);
}

/* Join every child of `me` (-1: the controller's); only finished ones if
 * `finished_only`. Returns how many are left. */
static int reap_children(int me, struct slot *joiner, bool finished_only)
{
	int left = 0;

	for (int i = 0; i < STRESS_SLOTS; i++) {
		struct slot *c = &slots[i];
		uint64_t f = spin_lock_irqsave(&c->lock);
		bool mine = c->state == SLOT_LIVE && c->parent == me;
		spin_unlock_irqrestore(&c->lock, f);
		if (!mine)
			continue;
		if (finished_only && !atomic_load(&c->finished))
			left++;
		else
			reap(c, joiner);
	}
	return left;
}

/* ---- Operations ----------------------------------------------------------------- */

struct gen_wait {
	struct squeue *q;
	unsigned seen;
};

static bool gen_moved(void *arg)
{
	struct gen_wait *w = arg;
	return atomic_load(&stress_stop) || atomic_load(&w->q->gen) != w->seen;
}

static bool stopping(void *arg)
{
	(void)arg;
	return atomic_load(&stress_stop);
}

/*
 * After a wait that blocked, the thread must be off the queue: every waker
 * unlinks it (under the queue's lock) before making it runnable. Still
 * linked means a wake raced the block and the next wait will link the node
 * twice (issue 9, defect 3).
 */
static void check_unlinked(struct slot *me)
{
	struct wait_queue *wq = __atomic_load_n(&thread_current()->waiting_on, __ATOMIC_RELAXED);
	if (wq && atomic_fetch_add(&tot.still_queued, 1) == 0)
		kprintf("sched-stress: stress-%c%d (seed %#lx) resumed from a "
			"wait but is still on wait queue %s", me->role == ROLE_K ?
			'k' : 'q', slot_index(me), me->seed, wq->lock.name);
}

static void op_wake_queue(uint64_t *rng)
{
	struct squeue *q = &squeues[rnd(rng) % STRESS_QUEUES];
	atomic_fetch_add(&q->gen, 1);
	int n = rnd(rng) % 4 ? wait_queue_wake_one(&q->wq) :
			       wait_queue_wake_all(&q->wq);
	atomic_fetch_add(&tot.wq_wakes, (unsigned long)n);
}

static void op_kick(uint64_t *rng, int tries)
{
	struct slot *s = slot_get(rng, ROLE_K, tries);
	if (!s)
		return;
	if (thread_wake(s->t))
		atomic_fetch_add(&s->kicks, 1);
	else
		atomic_fetch_add(&s->kicks_missed, 1);
	slot_put(s);
}

static void op_set_attr(uint64_t *rng)
{
	struct slot *s = slot_get(rng, -1, 8);
	if (!s)
		return;
	struct sched_attr a;
	random_attr(rng, &a);
	int r = thread_set_attr(s->t, &a);
	if (r == 0)
		atomic_fetch_add(&tot.attr_ok, 1);
	else if (r == -EBUSY)
		atomic_fetch_add(&tot.attr_ebusy, 1);
	else if (r == -EINVAL && atomic_load(&s->finished))
		atomic_fetch_add(&tot.attr_dead, 1); /* it exited */
	else
		unexpected("thread_set_attr", r);
	slot_put(s);
}

static void op_set_affinity(uint64_t *rng)
{
	struct slot *s = slot_get(rng, -1, 8);
	if (!s)
		return;
	struct cpumask m;
	random_mask(rng, &m);
	int r = thread_set_affinity(s->t, &m);
	if (r == 0)
		atomic_fetch_add(&tot.aff_ok, 1);
	else if (r == -EBUSY)
		atomic_fetch_add(&tot.aff_ebusy, 1);
	else if (r == -EINVAL && atomic_load(&s->finished))
		atomic_fetch_add(&tot.aff_dead, 1);
	else
		unexpected("thread_set_affinity", r);
	slot_put(s);
}

static void q_op(struct slot *me, uint64_t *rng)
{
	unsigned pick = (unsigned)(rnd(rng) % 100);

	if (pick < 10) {
		spin_for(rnd_in(rng, 0, 100) * US);
	} else if (pick < 26) {
		uint64_t wake_at = now_ns() + rnd_in(rng, 10, 200) * US;
		thread_sleep_until(wake_at);
		uint64_t now = now_ns();
		me->sleeps++;
		if (now < wake_at) {
			me->sleeps_early++;
		} else {
			me->sleep_late_ns += now - wake_at;
			if (now - wake_at > me->sleep_late_max_ns)
				me->sleep_late_max_ns = now - wake_at;
		}
	} else if (pick < 42) {
		struct gen_wait w = { &squeues[rnd(rng) % STRESS_QUEUES], 0 };
		w.seen = atomic_load(&w.q->gen);
		if (wait_queue_block_if(&w.q->wq, gen_moved, &w)) {
			me->wq_blocks++;
			check_unlinked(me);
		}
	} else if (pick < 54) {
		op_wake_queue(rng);
	} else if (pick < 62) {
		op_kick(rng, 8);
	} else if (pick < 70) {
		op_set_attr(rng);
	} else if (pick < 78) {
		op_set_affinity(rng);
	} else if (pick < 84) {
		thread_yield();
		atomic_fetch_add(&tot.yields, 1);
	} else if (pick < 92) {
		spawn(slot_index(me), rng);
	} else {
		reap_children(slot_index(me), me, true);
	}
}

/* K threads never sleep, yield or join: thread_wake must be the only
 * thing that can end their one kind of wait. */
static void k_op(struct slot *me, uint64_t *rng)
{
	unsigned pick = (unsigned)(rnd(rng) % 100);

	if (pick < 20) {
		spin_for(rnd_in(rng, 0, 100) * US);
	} else if (pick < 50) {
		if (wait_queue_block_if(&me->kick_wq, stopping, 0)) {
			me->kick_blocks++;
			check_unlinked(me);
		}
	} else if (pick < 65) {
		op_wake_queue(rng);
	} else if (pick < 75) {
		op_kick(rng, 8);
	} else if (pick < 87) {
		op_set_attr(rng);
	} else {
		op_set_affinity(rng);
	}
}

static void worker(void *arg)
{
	struct slot *me = arg;
	uint64_t rng = me->seed;
	uint64_t life = rnd_in(&rng, STRESS_LIFE_MIN, STRESS_LIFE_MAX);

	for (uint64_t i = 0; i < life && !atomic_load(&stress_stop); i++) {
		if (me->role == ROLE_Q)
			q_op(me, &rng);
		else
			k_op(me, &rng);
		me->ops++;
	}
	if (me->role == ROLE_Q)
		reap_children(slot_index(me), me, false);
	atomic_store(&me->finished, 1);
	int n = wait_queue_wake_all(&exit_wq);
	atomic_fetch_add(&tot.exit_wakes, (unsigned long)n);
}

/* ---- Set-up and the final checks ------------------------------------------- */

/*
 * The heap keeps small-object pages in its free lists for good, so the
 * first kthread_create calls of a run may take pages that never return
 * to pmm. Allocate (and free) as many thread-sized objects as the stress
 * can ever hold at once, before the baseline is taken: afterwards the
 * free lists already hold every object the stress needs, and the free
 * page count must come back exactly. Returns the pages the heap took.
 */
static uint64_t warm_heap(void)
{
	enum { N = STRESS_SLOTS + 16 }; /* slots + probes and spare */
	static void *obj[N];
	uint64_t before = pmm_free_count();

	for (int i = 0; i < N; i++)
		obj[i] = kmalloc(sizeof(struct kthread));
	for (int i = 0; i < N; i++)
		kfree(obj[i]);
	return before - pmm_free_count();
}

static void dl_probe_body(void *arg)
{
	atomic_int *release = arg;
	while (!atomic_load(release))
		thread_sleep_for(MS);
}

/*
 * With no deadline thread left, every CPU's admitted bandwidth must be 0:
 * 90% is admitted, a further 6% refused (96% > the 95% bound), 4% admitted
 * (94%). A charge leaked by an exit racing an attribute change fails the
 * first or third probe; a double release fails the second.
 */
static int dl_bandwidth_empty(void)
{
	static const unsigned pct[3] = { 90, 6, 4 };
	static const bool admit[3] = { true, false, true };
	int bad = 0;

	for (int i = 0; i < n_online; i++) {
		struct cpumask m;
		struct thread *t[3];
		atomic_int release = 0;
		int err[3];

		cpumask_clear(&m);
		cpumask_set(&m, online[i]);
		for (int k = 0; k < 3; k++) {
			struct sched_attr a = {
				.policy = SCHED_POLICY_DEADLINE,
				.dl_runtime_ns = pct[k] * 100 * US,
				.dl_deadline_ns = 10 * MS,
				.dl_period_ns = 10 * MS,
			};
			t[k] = kthread_create("stress-dl", dl_probe_body, &release,
					      &a, &m, &err[k]);
		}
		atomic_store(&release, 1);
		for (int k = 0; k < 3; k++)
			if (t[k])
				kthread_join(t[k], 0);
		bool ok = true;
		for (int k = 0; k < 3; k++)
			ok &= admit[k] ? t[k] != 0 : (!t[k] && err[k] == -EBUSY);
		if (!ok) {
			kprintf("sched-stress: cpu%d deadline bandwidth not back to "
				"empty: 90%% %s, then 6%% %s, then 4%% %s", online[i],
				t[0] ? "admitted" : "refused",
				t[1] ? "admitted" : "refused",
				t[2] ? "admitted" : "refused");
			bad++;
		}
	}
	return bad;
}

static const char *const state_names[] = { "new", "runnable", "running",
					   "blocked", "zombie", "dead" };

/* Each CPU: what it runs now and its counters (for failure reports). */
static void report_cpus(void)
{
	for (int i = 0; i < n_online; i++) {
		int tid = 0;
		char name[16] = "?";
		struct sched_cpu_stats cs;
		sched_cpu_curr_info(online[i], &tid, name);
		sched_cpu_stats(online[i], &cs);
		kprintf("sched-stress: cpu%d runs %s (tid %d); %lu switches, %lu "
			"timer events, %lu IPIs in", online[i], name, tid,
			cs.switches, cs.timer_events, cs.ipis_received);
	}
}

/* After a failed drain: name every thread that did not finish. */
static void report_stuck(void)
{
	static const char *const policies[] = { "fair", "fifo", "rr",
						"deadline", "idle" };
	static struct sched_thread_info info[STRESS_SLOTS + 32];
	int n = sched_thread_snapshot(info, STRESS_SLOTS + 32);
	if (n > STRESS_SLOTS + 32)
		n = STRESS_SLOTS + 32;

	for (int i = 0; i < STRESS_SLOTS; i++) {
		struct slot *s = &slots[i];
		uint64_t f = spin_lock_irqsave(&s->lock);
		enum slot_state state = s->state;
		if (state == SLOT_LIVE)
			s->refs++; /* keeps t while we look */
		spin_unlock_irqrestore(&s->lock, f);
		if (state == SLOT_CLOSING)
			kprintf("sched-stress: stuck: stress-%c%d seed %#lx: its "
				"joiner is joining it", s->role == ROLE_K ? 'k' : 'q',
				i, s->seed);
		if (state != SLOT_LIVE)
			continue;

		struct thread *t = s->t;
		const struct sched_thread_info *ti = 0;
		for (int k = 0; k < n; k++)
			if (info[k].tid == t->tid)
				ti = &info[k];
		char dl[64] = "";
		if (t->policy == SCHED_POLICY_DEADLINE) {
			/* Racy reads: a report, not a decision. */
			int64_t rep_ms = ((int64_t)t->dl.replenish_ns -
					  (int64_t)now_ns()) / (int64_t)MS;
			if (t->dl.throttled)
				k_snprintf(dl, sizeof(dl), ", throttled, replenish "
					   "%s %ld ms", rep_ms < 0 ? "OVERDUE by" : "in",
					   (long)(rep_ms < 0 ? -rep_ms : rep_ms));
			else
				k_snprintf(dl, sizeof(dl), ", not throttled, budget "
					   "%ld us", (long)(t->dl.budget_ns / 1000));
		}
		uint64_t mask = 0;
		for (int c = 0; c < 64; c++)
			if (cpumask_test(&t->allowed, c))
				mask |= 1ULL << c;
		bool fin = atomic_load(&s->finished);
		kprintf("sched-stress: stuck: stress-%c%d tid %d seed %#lx "
			"parent %d finished %d%s: %s on cpu%d (%s %d, cpus %#lx%s), "
			"waiting on %s, %lu ops", s->role == ROLE_K ? 'k' : 'q', i,
			t->tid, s->seed, s->parent, fin,
			fin ? " (only its join is missing)" : "",
			ti && (unsigned)ti->state < 6 ? state_names[ti->state] : "?",
			ti ? ti->cpu : -1,
			ti && (unsigned)ti->policy < 5 ? policies[ti->policy] : "?",
			!ti ? 0 : ti->policy == SCHED_POLICY_FAIR ? ti->nice :
								    ti->rt_priority,
			mask, dl, t->waiting_on ? "a wait queue" : "no wait queue",
			s->ops);
		slot_put(s);
	}
	report_cpus();
}

static uint64_t option_or(const char *name, uint64_t dflt)
{
	uint64_t v;
	const char *s = cmdline_get(&boot_cmdline, name);
	return s && !cmdline_parse_uint(s, &v) ? v : dflt;
}

int selftest_sched_stress(void)
{
	uint64_t seconds = option_or("stress_s", STRESS_DEFAULT_S);
	uint64_t seed = option_or("stress_seed", STRESS_DEFAULT_SEED);
	uint64_t check_ms = option_or("sched_check", 0);
	uint64_t rng = seed;

	n_online = cpu_online_list(online, MAX_CPUS);
	live_cap = n_online * STRESS_THREADS_PER_CPU;
	if (live_cap > STRESS_SLOTS)
		live_cap = STRESS_SLOTS;
	int top_target = n_online * STRESS_TOP_PER_CPU;

	kprintf("sched-stress: seed %lu (re-run with stress_seed=%lu), %lu s on "
		"%d CPUs, up to %d threads, sched_check every %lu ms, balance "
		"interval %lu ms", seed, seed, seconds, n_online, live_cap,
		check_ms, sched_tunables.balance_interval_ns / MS);
	if (!check_ms) {
		kprintf("sched-stress: FAIL: needs sched_check=MS on the command "
			"line (the work-conservation check runs there)");
		return 1;
	}

	/* Above every worker, so the nudges, the progress and the drain
	 * keep time however the workers are placed. */
	struct sched_attr me = { .policy = SCHED_POLICY_FIFO,
				 .rt_priority = STRESS_CONTROLLER_PRIO };
	int r = thread_set_attr(thread_current(), &me);
	if (r)
		unexpected("thread_set_attr(controller)", r);

	uint64_t heap_pages = warm_heap();
	uint64_t free_start = pmm_free_count();
	/* The slots' wait queues are set up once, not per occupant: a
	 * reference holder may still be inside wait_queue_wake_all() on
	 * ref_wq after the joiner saw the count at 0 and moved on, so the
	 * queue must stay valid (a stray wake is counted like any other). */
	for (int i = 0; i < STRESS_SLOTS; i++) {
		slots[i].lock = (struct spinlock)SPINLOCK_INIT("stress-slot");
		wait_queue_init(&slots[i].kick_wq, "stress-kick");
		wait_queue_init(&slots[i].ref_wq, "stress-refs");
	}
	for (int i = 0; i < STRESS_QUEUES; i++)
		wait_queue_init(&squeues[i].wq, "stress-q");
	wait_queue_init(&exit_wq, "stress-exit");

	uint64_t checks_start = atomic_load(&sched_check_passes);
	uint64_t start = now_ns(), end = start + seconds * SEC;
	uint64_t next_progress = start + STRESS_PROGRESS_NS;
	uint64_t last_check_seen = checks_start, last_check_ns = start;
	uint64_t max_gap_ns = 0;
	/* The controller runs the same checks itself every STRESS_CHECK_NS:
	 * as a fair thread, the sched_check= thread can wait a long time
	 * behind the workers' RT and deadline load, and a violation shorter
	 * than its gaps would go unseen. */
	uint64_t own_checks = 0, own_last_ns = start, own_max_gap_ns = 0;
	int check_failed = 0;

	for (uint64_t now = start; now < end; now = now_ns()) {
		int top = 0;
		for (int i = 0; i < STRESS_SLOTS; i++) {
			uint64_t f = spin_lock_irqsave(&slots[i].lock);
			top += slots[i].state != SLOT_FREE && slots[i].parent == -1;
			spin_unlock_irqrestore(&slots[i].lock, f);
		}
		for (; top < top_target && spawn(-1, &rng); top++)
			;
		reap_children(-1, 0, true);
		op_wake_queue(&rng);
		op_kick(&rng, STRESS_SLOTS);
		ctl_sleep(STRESS_KICK_NS);

		now = now_ns();
		if (now - own_last_ns >= STRESS_CHECK_NS) {
			if (sched_check_all() < 0 ||
			    sched_check_work_conserving(now_ns()) < 0) {
				check_failed = 1;
				/* How late the controller's own last sleep
				 * ended says whether the host was starving
				 * the vCPUs just then. */
				kprintf("sched-stress: the scheduler's checks "
					"failed after %lu ms (see above; seed %lu; "
					"the controller's last 1 ms sleep ended %lu "
					"us late): stopping", (now - start) / MS, seed,
					ctl_sleep_last_late_ns / US);
				report_cpus();
				break;
			}
			own_checks++;
			if (now - own_last_ns > own_max_gap_ns)
				own_max_gap_ns = now - own_last_ns;
			own_last_ns = now;
		}
		uint64_t c = atomic_load(&sched_check_passes);
		if (c != last_check_seen) {
			last_check_seen = c;
			last_check_ns = now;
		} else if (now - last_check_ns > max_gap_ns) {
			max_gap_ns = now - last_check_ns;
		}
		if (now >= next_progress) {
			next_progress += STRESS_PROGRESS_NS;
			kprintf("sched-stress: %lu s of %lu (%lu s left): %lu "
				"threads created, %lu joined, %d alive, %lu checks",
				(now - start) / SEC, seconds,
				now < end ? (end - now + SEC - 1) / SEC : 0,
				atomic_load(&tot.created), atomic_load(&tot.joined),
				atomic_load(&live), c - checks_start);
		}
	}

	/*
	 * Stop: wake every shared queue and K thread until all are joined.
	 * Deadline threads become fair first: CBS charges wall time, so a
	 * vCPU the host stalls for a while (TCG, more vCPUs than host cores)
	 * leaves a 100 us budget deep in debt, throttled for seconds, and the
	 * drain would wait for that rather than for anything wrong.
	 */
	atomic_store(&stress_stop, 1);
	uint64_t drain_start = now_ns();
	bool drained = false;
	unsigned drain_dl_to_fair = 0;
	while (now_ns() - drain_start < STRESS_DRAIN_NS) {
		for (int i = 0; i < STRESS_QUEUES; i++) {
			atomic_fetch_add(&squeues[i].gen, 1);
			atomic_fetch_add(&tot.wq_wakes,
					 (unsigned long)wait_queue_wake_all(&squeues[i].wq));
		}
		for (int i = 0; i < STRESS_SLOTS; i++) {
			struct slot *s = &slots[i];
			uint64_t f = spin_lock_irqsave(&s->lock);
			bool ok = s->state == SLOT_LIVE;
			if (ok)
				s->refs++;
			spin_unlock_irqrestore(&s->lock, f);
			if (!ok)
				continue;
			/* Racy read of the policy: a stale one costs one more
			 * round. */
			if (__atomic_load_n(&s->t->policy, __ATOMIC_RELAXED) ==
			    SCHED_POLICY_DEADLINE) {
				struct sched_attr fair = { .policy = SCHED_POLICY_FAIR };
				int r = thread_set_attr(s->t, &fair);
				if (r == 0)
					drain_dl_to_fair++;
				else if (r != -EINVAL || !atomic_load(&s->finished))
					unexpected("thread_set_attr(drain)", r);
			}
			if (s->role == ROLE_K && thread_wake(s->t))
				atomic_fetch_add(&s->kicks, 1);
			slot_put(s);
		}
		reap_children(-1, 0, true);
		if (atomic_load(&live) == 0) {
			drained = true;
			break;
		}
		ctl_sleep(STRESS_KICK_NS);
	}
	uint64_t drain_ms = (now_ns() - drain_start) / MS;
	uint64_t checks = atomic_load(&sched_check_passes) - checks_start;
	uint64_t stress_ms = (drain_start - start) / MS;

	uint64_t created = atomic_load(&tot.created), joined = atomic_load(&tot.joined);
	kprintf("sched-stress: threads: %lu created, %lu joined, %lu creations "
		"refused by deadline admission; all joined %lu ms after the stop "
		"(%u deadline threads made fair for it)", created, joined,
		atomic_load(&tot.create_ebusy), drain_ms, drain_dl_to_fair);
	if (!drained) {
		kprintf("sched-stress: FAIL: %d threads still alive %lu ms after "
			"the stop (seed %lu)", atomic_load(&live), drain_ms, seed);
		report_stuck();
		return 1;
	}

	uint64_t wq_blocks = atomic_load(&tot.wq_blocks), wq_wakes = atomic_load(&tot.wq_wakes);
	uint64_t x_blocks = atomic_load(&tot.exit_blocks), x_wakes = atomic_load(&tot.exit_wakes);
	uint64_t k_blocks = atomic_load(&tot.kick_blocks), kicks = atomic_load(&tot.kicks);
	uint64_t r_blocks = atomic_load(&tot.ref_blocks), r_wakes = atomic_load(&tot.ref_wakes);
	uint64_t early = atomic_load(&tot.sleeps_early);
	kprintf("sched-stress: ops: %lu, sleeps %lu, yields %lu, set_attr %lu ok "
		"/ %lu -EBUSY / %lu on exited threads, set_affinity %lu ok / %lu "
		"-EBUSY / %lu on exited threads", atomic_load(&tot.ops),
		atomic_load(&tot.sleeps), atomic_load(&tot.yields),
		atomic_load(&tot.attr_ok), atomic_load(&tot.attr_ebusy),
		atomic_load(&tot.attr_dead), atomic_load(&tot.aff_ok),
		atomic_load(&tot.aff_ebusy), atomic_load(&tot.aff_dead));
	uint64_t sleeps = atomic_load(&tot.sleeps);
	kprintf("sched-stress: sleeps of 10-200 us: %lu, woken on average %lu us "
		"late, at most %lu us", sleeps,
		sleeps ? atomic_load(&tot.sleep_late_ns) / sleeps / US : 0,
		atomic_load(&tot.sleep_late_max_ns) / US);
	kprintf("sched-stress: the controller's 1 ms sleeps ended at most %lu us "
		"late", ctl_sleep_max_late_ns / US);
	kprintf("sched-stress: wakes: shared queues %lu waits = %lu wakes; exit "
		"waits %lu = %lu wakes; reference waits %lu = %lu wakes; "
		"thread_wake %lu true = %lu K waits (%lu false); early sleeps %lu; "
		"resumed still queued %lu", wq_blocks, wq_wakes, x_blocks, x_wakes,
		r_blocks, r_wakes, kicks, k_blocks,
		atomic_load(&tot.kicks_missed), early,
		atomic_load(&tot.still_queued));

	int dl_bad = dl_bandwidth_empty();
	int state_bad = sched_check_all() != 0;
	uint64_t free_end = pmm_free_count();
	kprintf("sched-stress: pages: %lu free at the start, %lu at the end (the "
		"heap was warmed first and keeps %lu pages of thread-sized objects "
		"in its free lists, counted in both)", free_start, free_end,
		heap_pages);
	kprintf("sched-stress: work conservation: %lu checks in %lu ms (every %lu "
		"ms asked, largest gap seen %lu ms) and %lu by the controller "
		"(largest gap %lu ms); limit: balance interval %lu ms", checks,
		stress_ms, check_ms, max_gap_ns / MS, own_checks,
		own_max_gap_ns / MS, sched_tunables.balance_interval_ns / MS);
	/* Waiters found next to an idle CPU that had been told to
	 * reschedule but had not run yet: a delivery wait (a vCPU the host
	 * did not run), excused up to SCHED_DELIVERY_LIMIT_INTERVALS
	 * intervals; a decision never made fails at one. */
	kprintf("sched-stress: work conservation: %lu checks met an idle CPU "
		"already told to reschedule (delivery limit %lu ms)",
		sched_wc_late_deliveries,
		SCHED_DELIVERY_LIMIT_INTERVALS *
			sched_tunables.balance_interval_ns / MS);

	const char *why = 0;
	if (check_failed)
		why = "the scheduler's invariant or work-conservation check failed";
	else if (created != joined)
		why = "created != joined";
	else if (atomic_load(&tot.still_queued))
		why = "a thread resumed from a wait still on the queue";
	else if (wq_blocks != wq_wakes)
		why = "shared-queue waits != wakes";
	else if (x_blocks != x_wakes)
		why = "exit waits != wakes";
	else if (r_blocks != r_wakes)
		why = "reference waits != wakes";
	else if (kicks != k_blocks || atomic_load(&tot.per_thread_mismatch))
		why = "thread_wake hits != K waits";
	else if (early)
		why = "a sleep ended early";
	else if (atomic_load(&tot.unexpected))
		why = "an unexpected API result";
	else if (free_end != free_start)
		why = "free pages not back to the start";
	else if (dl_bad)
		why = "deadline bandwidth not back to empty";
	else if (state_bad)
		why = "scheduler invariants broken at the end";
	else if (checks == 0 || checks * 2000 < stress_ms)
		why = "sched_check ran less than once per 2 s";
	if (why) {
		kprintf("sched-stress: FAIL: %s (seed %lu, %lu s, %d CPUs)", why,
			seed, seconds, n_online);
		return 1;
	}
	kprintf("sched-stress: PASS seed %lu, %lu s on %d CPUs: %lu threads "
		"created = joined, %lu ops, %lu wakes matched, %lu checks, free "
		"pages %lu = %lu", seed, seconds, n_online, created,
		atomic_load(&tot.ops), wq_wakes + x_wakes + r_wakes + kicks, checks,
		free_start, free_end);
	return 0;
}
