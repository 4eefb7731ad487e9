/* SPDX-License-Identifier: MIT */
/*
 * Inside the scheduler: the per-CPU run queue, the class ops table, and the
 * helpers the class files share. Nothing outside sched/ (and the tests and
 * the simulator) includes this.
 *
 * Conventions every class follows:
 * - The running thread (rq->curr) is NOT in its class's queue. pick_next
 *   removes the thread it returns; put_prev puts a still-runnable previous
 *   thread back. So "queued" always means "waiting", which is what balancing
 *   and the statistics want.
 * - now_ns is passed into hooks; a class never reads the clock.
 * - Every hook runs with rq->lock held and interrupts off.
 *
 * Read next: core.c (the lock order and schedule()), then fair.c.
 */
#ifndef COHORT_SCHED_INTERNAL_H
#define COHORT_SCHED_INTERNAL_H

#include "sched/sched.h"
#include "sched/cpupri.h"
#include "sched/domain.h"

/* ---- Assertions ---------------------------------------------------------- */

#define SCHED_ASSERT(cond)                                              \
	do {                                                            \
		if (!(cond))                                            \
			arch_assert_fail(#cond, __FILE__, __LINE__);    \
	} while (0)

/* Whole-structure checks, on when sched_debug_checks is set. */
#define DEBUG_CHECK(expr)                                               \
	do {                                                            \
		if (sched_debug_checks && (expr) != 0)                  \
			arch_assert_fail(#expr, __FILE__, __LINE__);    \
	} while (0)

#define ASSERT_HELD(l) SCHED_ASSERT(arch_spin_held(l))

/*
 * Named windows for the interleaving tests (tools/schedsim/par.c): the
 * places between two locked sections where another CPU's operation has
 * found bugs before. Host builds define SCHED_RACE_POINTS and implement
 * arch_race_point(); the kernel compiles them away. (Every lock acquire
 * and release is a hook point too; these only name a window.)
 */
#ifdef SCHED_RACE_POINTS
void arch_race_point(const char *name);
#define RACE_POINT(name) arch_race_point(name)
#else
#define RACE_POINT(name) do { } while (0)
#endif

/* Racy read of a field another CPU writes under its own lock: used only for
 * snapshots whose decisions are re-validated under the right locks. */
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* ---- Classes -------------------------------------------------------------- */

/* enqueue flags */
enum {
	ENQUEUE_WAKEUP = 1,	/* was blocked or new: place it (fair, CBS) */
	ENQUEUE_MIGRATE = 2,	/* moved from another CPU, was queued there */
	ENQUEUE_RESTORE = 4,	/* attribute change: same thread, new class */
	ENQUEUE_NEW = 8,	/* with WAKEUP: its first start (fair: a debit) */
};

struct rq;

/*
 * One per class, in priority order in core.c's class table. Every hook is
 * filled; a class that cannot support one supplies an asserting stub.
 */
struct sched_class {
	const char *name;
	/* Add a runnable, not running thread to the queue. */
	void (*enqueue)(struct rq *rq, struct thread *t, int flags,
			uint64_t now_ns);
	/* Remove a queued thread (blocking is handled by not putting back). */
	void (*dequeue)(struct rq *rq, struct thread *t);
	/* Remove and return the best queued thread, or NULL. */
	struct thread *(*pick_next)(struct rq *rq, uint64_t now_ns);
	/* The running thread stops running but stays runnable: requeue it. */
	void (*put_prev)(struct rq *rq, struct thread *t, uint64_t now_ns);
	/* Charge delta_ns of run time to the running thread (called for
	 * curr's class only). */
	void (*update_curr)(struct rq *rq, struct thread *curr,
			    uint64_t delta_ns, uint64_t now_ns);
	/* Timer event on this CPU, after update_curr; called for EVERY class
	 * (a class may need time while another runs: replenishment, the end
	 * of an RT throttle window). Sets rq->need_resched as needed. */
	void (*tick)(struct rq *rq, struct thread *curr, uint64_t now_ns);
	/* Same-class comparison: must woken `t` preempt rq->curr? */
	bool (*wakeup_preempt)(struct rq *rq, struct thread *t);
	/* Choose the CPU for a waking thread (soft affinity). Lock-free
	 * snapshot read; the caller re-validates under the locks. */
	int (*select_cpu)(struct thread *t, int prev_cpu, uint64_t now_ns);
	/* Best queued thread on src that may run on dst, or NULL (both
	 * locks held). The caller moves it. */
	struct thread *(*pull)(struct rq *dst, struct rq *src);
	/* Earliest time this class needs the CPU's timer, or
	 * SCHED_TIMER_NONE. */
	uint64_t (*next_event_ns)(struct rq *rq, uint64_t now_ns);
	/* Validate attributes for this class: 0, -EINVAL or -ERANGE, with
	 * one log line; changes nothing. (Deadline admission needs the
	 * affinity mask and the attr lock: dl_admit, called by thread.c.) */
	int (*check_attr)(const struct sched_attr *attr);
	/* Initialise class fields for a thread entering (or staying in) the
	 * class; its attributes passed check_attr (and admission). Cannot
	 * fail. */
	void (*set_attr)(struct thread *t, const struct sched_attr *attr,
			 uint64_t now_ns);
};

extern const struct sched_class dl_class, rt_class, fair_class, idle_class;

/* Class walk order, highest first; idle_class is last. */
#define SCHED_NR_CLASSES 4
extern const struct sched_class *const sched_classes[SCHED_NR_CLASSES];

/* Index in sched_classes (0 = most urgent). */
int sched_class_index(const struct sched_class *c);

/* ---- Run queue ------------------------------------------------------------ */

struct fair_rq {
	struct rb_root tree;	   /* queued fair threads by vruntime */
	uint64_t min_vruntime;	   /* monotonic floor for placement */
	uint64_t queued_weight;	   /* sum of the queued threads' weights
				    * (not curr's); read racily by
				    * snapshots like nr_queued */
};

struct rt_rq {
	struct list_node queue[SCHED_RT_NR_PRIO]; /* FIFO per priority */
	uint64_t bitmap[2];	   /* bit p set <=> queue[p] non-empty */
	unsigned nr_queued;
	uint64_t window_start_ns;  /* throttle accounting window */
	uint64_t window_used_ns;   /* RT run time inside the window */
	bool throttled;		   /* RT may not run until window end */
};

struct dl_rq {
	struct rb_root tree;	   /* queued deadline threads by deadline */
	struct list_node throttled; /* out of budget until replenish_ns */
	unsigned nr_throttled;
};

struct rq {
	/* Guards everything below except where noted. */
	struct sched_lock lock;

	/* Set by sched_cpu_online; read-only afterwards. */
	int cpu;
	struct thread *idle;
	bool online;

	/* Guarded by lock; read racily (READ_ONCE) by snapshots. */
	struct thread *curr;
	unsigned nr_queued;	   /* threads in any class queue */
	bool need_resched;	   /* schedule() before returning */
	uint64_t timer_ns;	   /* what arch_set_timer holds, or NONE;
				    * written only by the owning CPU */
	bool timer_kicked;	   /* another CPU sent an IPI so this one
				    * re-programs its timer (sched_ipi) */
	uint64_t resched_sent_ns;  /* when another CPU last set need_resched
				    * here and sent the IPI (the checker
				    * tells a late delivery from a missing
				    * decision) */
	uint64_t idle_since_ns;	   /* when idle started (if curr is idle) */
	uint64_t next_balance_ns;  /* next periodic balance pass */
	uint64_t curr_stint_start_ns; /* curr got the CPU (rotation age) */
	/* Summary of curr for lock-free snapshots (balance.c), written with
	 * curr so other CPUs never dereference a remote curr pointer. */
	int snap_rank;
	uint64_t snap_vruntime;	   /* curr's vruntime at snap_at_ns; it */
	uint64_t snap_at_ns;	   /* grows by fair_scale_delta() after */
	uint32_t snap_weight;
	/* RT + deadline utilisation (issue 13): a PELT-style decayed
	 * fraction of recent time in which curr was an RT or deadline thread
	 * (half-life 32 ms), 0..SCHED_UTIL_ONE, as of rtdl_util_at_ns.
	 * Written only by rq_rtdl_util_update(), from update_curr (core.c),
	 * under lock (on whichever CPU holds it: a remote wakeup accounts
	 * too); read without the lock (READ_ONCE) only through
	 * rq_rtdl_util(), which extrapolates to the reader's clock from
	 * snap_rank. The two fields may be read torn: a snapshot is a hint
	 * and every move is re-checked under the locks. */
	uint32_t rtdl_util;
	uint64_t rtdl_util_at_ns;
	bool yielding;		   /* this schedule() is a voluntary yield */
	bool picking;		   /* __schedule dropped the lock for its
				    * new-idle pull: curr is on its way out,
				    * need_resched already consumed */
	uint64_t picking_since_ns; /* when that pull began (checker) */
	struct thread *migrate_pending; /* curr lost its affinity: re-place it
				    * after the switch (finish_switch) */

	struct fair_rq fair;
	struct rt_rq rt;
	struct dl_rq dl;
	struct rb_root sleepers;   /* sleeping threads by wake_at_ns */

	/* Between arch_switch and sched_finish_switch: the thread switched
	 * out. */
	struct thread *switch_prev;

	/* Guarded by lock, except ipis_sent (atomic add by this CPU while
	 * it may hold another CPU's lock). */
	struct sched_cpu_stats stats;
};

/*
 * Per-CPU storage, sized by sched_init(ncpus) for CPU ids 0..ncpus-1 and
 * allocated there through arch_alloc(): nothing is an array of
 * SCHED_MAX_CPUS. sched_possible_cpus and the table pointers are written
 * only by sched_init(), before any CPU comes online (and so before any
 * other CPU can read them); read-only afterwards. Each run queue is then
 * guarded by its own lock (struct rq).
 */
extern struct rq *sched_rqs;	   /* sched_possible_cpus entries */
extern int sched_possible_cpus;	   /* ids sched_init() sized for */
extern int sched_nr_cpus;	   /* highest online id + 1 */
extern struct cpumask sched_online_mask;

static inline struct rq *cpu_rq(int cpu)
{
	return &sched_rqs[cpu];
}

static inline bool cpu_online(int cpu)
{
	return cpumask_test(&sched_online_mask, cpu);
}

/* Runnable threads on rq: queued plus a running non-idle thread. */
static inline unsigned rq_nr_running(const struct rq *rq)
{
	return rq->nr_queued + (rq->curr != rq->idle ? 1 : 0);
}

/* May t run on cpu? Hard affinity, online, and deadline partitioning. */
bool thread_can_run_on(const struct thread *t, int cpu);

/* Priority rank for cross-class comparisons: higher is more urgent.
 * idle 0, fair 1, rt 2 + prio (2..101), deadline 200. */
int thread_rank(const struct thread *t);
#define RANK_IDLE 0
#define RANK_FAIR 1
#define RANK_RT_BASE 2
#define RANK_DL 200

/* The most urgent queued work on rq that may run now (a throttled
 * deadline thread or a throttled RT class waits), as a rank; -1 if none.
 * rq->lock held (or a racy read, re-validated later). */
int rq_top_runnable_rank(const struct rq *rq);

/* Put rq's CPU in the cpupri level (sched/cpupri.h) of what it now runs or
 * has queued to run: max(snap_rank, rq_top_runnable_rank). rq->lock held;
 * called after every change of either (switch, enqueue, dequeue, RT
 * throttle, deadline replenishment). */
void rq_cpupri_update(struct rq *rq);
/* The level rq_cpupri_update gives: that of max(snap_rank,
 * rq_top_runnable_rank), or CPUPRI_LEVEL_DL while RT is throttled there
 * (no RT newcomer could run). rq->lock held (or every lock: the checker). */
int rq_cpupri_level(const struct rq *rq);

/* Move a queued thread from src to dst (both locks held). */
void sched_move_queued(struct rq *src, struct rq *dst, struct thread *t,
		       uint64_t now_ns);

/* Lock two run queues in CPU-id order (the lock order). */
void double_rq_lock(struct rq *a, struct rq *b);
void double_rq_unlock(struct rq *a, struct rq *b);

/* Mark rq for rescheduling and, if it is another CPU, send the IPI. */
void resched_rq(struct rq *rq);

/* Run-queue checker (one CPU): returns 0 or a negative rule number after
 * logging. Lock held. */
int rq_check(struct rq *rq);

/* One trace record (trace format v2, docs/tracing.md). */
void sched_trace(uint64_t now_ns, int cpu, enum sched_trace_event event,
		 const struct thread *a, const struct thread *b, long long arg);

/* Wake t (blocked). check_seq: only if still in sleep number `seq`.
 * may_preempt: thread context, may switch before returning. */
/* Put every list and tree node of t in its "on no queue" state (what
 * thread_create does; benchmarks that drive the class ops directly too). */
void thread_init_links(struct thread *t);

/* Never preempts the caller (it runs inside sched_finish_switch). */
int wait_queue_release_and_wake_all(struct wait_queue *wq, atomic_int *on_cpu);

bool sched_wake_internal(struct thread *t, bool check_seq, unsigned seq,
			 bool may_preempt);

/* sched_wake_internal with the reason when it did not wake t. */
enum wake_result {
	WAKE_DONE,	/* t was blocked and is runnable now */
	WAKE_NONE,	/* not blocked, or in a later block than `seq` */
	WAKE_ON_QUEUE,	/* blocked on a wait queue: detach it first */
};
enum wake_result sched_wake_thread(struct thread *t, bool check_seq,
				   unsigned seq, bool may_preempt);
/* Re-place a thread that is BLOCKED in transit (t->replacing): the wakeup
 * path without the "it blocked" meaning. Never preempts. */
void sched_replace_thread(struct thread *t);

/* Core services for thread.c (core.c). *_locked: rq->lock held. */
/* Make NEW t runnable on the CPU its class chooses. Accounts the calling
 * CPU's current thread first, so new threads are placed against a floor
 * that includes their creator's run time. Takes this CPU's rq->lock, then
 * the target's, one at a time: call with no rq->lock held. */
void sched_start_new(struct thread *t);
void sched_forget_thread(struct thread *t);
void sched_update_curr_locked(struct rq *rq, uint64_t now_ns);
void sched_activate_locked(struct rq *rq, struct thread *t, int flags,
			   uint64_t now_ns);
void sched_program_timer_locked(struct rq *rq, uint64_t now_ns);
struct rq *sched_thread_rq_lock(struct thread *t);
void sched_preempt_point(void);

/* printf into the log. */
void sched_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- Class internals shared with core and tests -------------------------- */

/* Weight of nice 0: vruntime advances at wall-clock rate. */
#define SCHED_NICE_0_WEIGHT 1024
uint32_t fair_weight_of_nice(int nice);
bool fair_less(const struct rb_node *a, const struct rb_node *b);
bool dl_less(const struct rb_node *a, const struct rb_node *b);
/* Sleep queue order: by wake time, FIFO among equals. */
bool sched_sleep_less(const struct rb_node *a, const struct rb_node *b);
int rt_highest_queued_prio(const struct rq *rq); /* -1 if none */

void fair_rq_init(struct rq *rq);
void fair_reset(void);
uint64_t fair_scale_delta(uint64_t delta_ns, uint32_t weight);
void fair_yield(struct rq *rq, struct thread *t);
/* Refresh rq->snap_* from rq->curr (lock held). */
void rq_update_snapshot(struct rq *rq);
void rt_rq_init(struct rq *rq);
void dl_rq_init(struct rq *rq);

/* Deadline admission (deadline.c); caller holds sched_attr_lock.
 * dl_admit chooses a home CPU in `mask` for bandwidth `bw` (the thread's
 * current charge `old_bw` on `old_cpu` is excluded): old_cpu if it still
 * fits; else worst fit among the CPUs of `node` (the thread's node,
 * dl_node_of; -1 or no such node: skipped) if one has room; else worst
 * fit over the mask. Or returns -EBUSY after logging the best CPU and the
 * excess. Changes nothing. */
int dl_admit(uint64_t bw, const struct cpumask *mask, int old_cpu,
	     uint64_t old_bw, int node, int *home_cpu);
void dl_bw_charge(int cpu, uint64_t bw);
void dl_bw_release(int cpu, uint64_t bw);
uint64_t dl_bw_of(uint64_t runtime_ns, uint64_t period_ns);
uint64_t dl_cpu_bw(int cpu);
/* 0 if every 64-CPU block's free-bandwidth summary (the smallest sum in
 * it) matches the sums, else -1 (sched_attr_lock held; checkers). */
int dl_check_blocks(void);
void dl_reset(void);
/* End of the current job (thread_yield): counts a miss if it is late.
 * Returns the next release to sleep until, or 0 if the next job is already
 * due (then it has started: fresh deadline and budget). */
uint64_t dl_job_done(struct thread *t, uint64_t now_ns);

/* Guards admission (dl bandwidth sums) and attribute changes. */
extern struct sched_lock sched_attr_lock;

/* Live (started, not yet joined) threads, for the checkers (check.c).
 * sched_threads_lock guards the list and each thread's all_node. */
extern struct sched_lock sched_threads_lock;
extern struct list_node sched_threads_all;

/* ---- Balancing: pure decisions over a snapshot (balance.c) --------------- */

/* Fields ordered to pack: 48 bytes (one per CPU per CPU's scratch). */
struct balance_load {
	bool online;
	uint16_t fair_capacity;	/* SCHED_CAPACITY minus RT/DL use, at
				 * least SCHED_CAPACITY_MIN */
	unsigned nr_running;	/* queued + running (not idle) */
	unsigned nr_queued_fair;
	int curr_rank;		/* thread_rank(curr), RANK_IDLE when idle */
	uint64_t curr_vruntime;	/* valid when curr_rank == RANK_FAIR */
	uint64_t curr_stint_ns;	/* how long curr has run this stint */
	uint64_t fair_weight;	/* queued fair weight + a fair curr's */
	int top_queued_rank;	/* most urgent queued thread, -1 if none */
};

/* A CPU's capacity: the load of one nice-0 thread alone on it. */
#define SCHED_CAPACITY 1024
/* Floor of fair capacity: a CPU that RT/DL fill still counts a little
 * (ratios stay finite; the RT throttle leaves fair threads 5%). */
#define SCHED_CAPACITY_MIN 32
/* rtdl_util's unit (1.0), with 10 bits below SCHED_CAPACITY. */
#define SCHED_UTIL_ONE (1u << 20)

/* Charge [rtdl_util_at_ns, now) to the utilisation as RT/DL time if
 * rq->curr is an RT or deadline thread, else as other time (lock held;
 * update_curr calls it before curr changes). */
void rq_rtdl_util_update(struct rq *rq, uint64_t now_ns);
/* The RT/DL utilisation at now_ns, 0..SCHED_UTIL_ONE, without the lock:
 * the owner's last value advanced by the time since, as RT/DL time if
 * snap_rank says such a thread runs there. */
uint32_t rq_rtdl_util(const struct rq *rq, uint64_t now_ns);
/* SCHED_CAPACITY scaled by 1 - RT/DL utilisation, floored. */
uint32_t rq_fair_capacity(const struct rq *rq, uint64_t now_ns);
/* Fair load of a CPU if extra_weight joined it: queued and running fair
 * weight per fair capacity, in units where one nice-0 thread alone on a
 * CPU without RT/DL work is SCHED_CAPACITY. */
uint64_t balance_fair_load(const struct balance_load *l,
			   uint32_t extra_weight);

/* Fill loads[0..n) from the run queues without locks, where n is
 * sched_nr_cpus read once; returns n. */
int balance_snapshot(struct balance_load *loads, uint64_t now_ns);
/* One CPU's entry of a snapshot (what balance_snapshot fills per CPU). */
void balance_snapshot_cpu(struct balance_load *l, int cpu, uint64_t now_ns);

/* ---- Balancing through the domains (balance.c, docs/scheduler.md
 * "Balancing through domains") ---------------------------------------------- */

struct sched_domains;

/*
 * What one CPU adds to the summary of every group holding it, and so (as
 * a sum) what a group's summary holds. Derived from the run queue only:
 * nr_running = nr_queued + (curr not idle), nr_idle = (curr is idle),
 * nr_queued_fair = fair.tree.count, nr_queued_other = queued RT and
 * deadline threads (throttled ones too), fair_weight = fair.queued_weight
 * + a fair curr's weight, fair_capacity = the CPU's fair capacity
 * (SCHED_CAPACITY net of rtdl_util) as of its last accounting.
 */
struct balance_counts {
	int32_t nr_running;
	int32_t nr_idle;
	int32_t nr_queued_fair;
	int32_t nr_queued_other;
	int64_t fair_weight;
	int64_t fair_capacity;
};

/*
 * One per sched_group (indexed like sd->groups), one cache line each.
 * The rule: a CPU changes the summaries only by adding the difference
 * between its new counts and the ones it added before (its struct
 * balance_cpu.added), with relaxed atomic adds, while holding its own
 * run-queue lock; so each group's summary is, once the adds land, the sum
 * of `added` over its CPUs (sched_check_all checks it after every
 * simulated event). Readers take no lock and may see a summary one update
 * stale, or mid-update (fields from before and after one CPU's change): a
 * hint for choosing where to look; every move is re-checked under the
 * run-queue locks (move_to, balance_pull).
 */
struct balance_sum {
	struct balance_counts c;
} __attribute__((aligned(64)));

struct balance_cpu {
	/* Written only under this CPU's run-queue lock (balance_account). */
	struct balance_counts added;
	/* Written only by this CPU, interrupts off (balance_tick): the next
	 * periodic pass per domain level (SD_LLC: the pass inside the LLC). */
	uint64_t next_ns[SD_NR_LEVELS];
	/* Written only by this CPU, interrupts off (balance_tick): since when
	 * the early pass of each level has seen a clear imbalance without a
	 * break (0: not imbalanced at the last look). */
	uint64_t imb_since_ns[SD_NR_LEVELS];
	/* Scratch for group-bounded snapshots, used only by this CPU with
	 * interrupts off (balance_tick, balance_pull): scratch_n entries. */
	struct balance_load *loads;
	int *ids;	/* loads[i] is CPU ids[i], ascending */
	int *order;
};

/* The domains balancing uses; NULL until balance_domains_attach. Written
 * once (release), read-only afterwards. */
struct balance_domains {
	const struct sched_domains *sd;
	struct balance_sum *sums;	/* [sd->nr_groups], 64-aligned */
	void *sums_mem;			/* what arch_alloc gave for it */
	struct balance_cpu *cpu;	/* [sd->nr_cpus] */
	int nr_cpus;			/* sd->nr_cpus (detach may run
					 * after sd is gone) */
	int scratch_n;			/* largest LLC + 1 */
};
extern struct balance_domains *balance_domains;

/*
 * Make balancing use sd (built for the CPUs online now; it must stay
 * alive and unchanged): allocates the summaries and per-CPU scratch
 * (O(groups + CPUs x largest LLC)), publishes them, then accounts every
 * online CPU under its lock. Init code: no lock held, interrupts on
 * (arch_alloc). Once only; returns 0 or -ENOMEM (balancing then stays
 * machine-wide, as before). A machine whose LLC is every CPU keeps
 * today's decisions and attaches nothing (balance_domains stays NULL).
 */
int balance_domains_attach(const struct sched_domains *sd);
/* Tests only: keep the summaries even where one LLC is every CPU (the
 * explorer, tools/schedsim/par.c, then checks their rule under every
 * interleaving it tries; decisions stay the machine-wide ones). */
extern bool balance_summaries_always;
/* Forget the domains (tests and the simulator between runs only: no
 * other CPU may be balancing). */
void balance_domains_detach(void);
/* Bring this CPU's share of the group summaries up to date (its run-queue
 * lock held). Called wherever the run queue's counts change: activate,
 * sched_move_queued, rq_update_snapshot (switches, class changes), the
 * dequeue in thread.c commit_change. O(levels). */
void balance_account(struct rq *rq);
/* When rq's timer must fire so that its share of the summaries' fair
 * capacity catches up with the decay of its RT/DL use (rq_next_event),
 * or SCHED_TIMER_NONE. Its lock held. */
uint64_t balance_capacity_refresh_ns(const struct rq *rq);
/* The counts balance_account would add for rq (lock held; checker). */
void balance_counts_of(const struct rq *rq, struct balance_counts *c);
bool balance_counts_equal(const struct balance_counts *a,
			  const struct balance_counts *b);

/*
 * Per-CPU scratch for snapshots: sched_possible_cpus entries for `cpu`,
 * allocated by sched_init() (a snapshot of 1024 CPUs, ~40 KiB, does not
 * fit a kernel stack). The rule: only code running on `cpu` with
 * interrupts off uses it (the timer event, schedule(), wake-up placement
 * under a run-queue lock), so nothing else on that CPU can interleave. A
 * snapshot is valid until the next balance_snapshot() into the same
 * scratch. (RT placement and RT push use cpupri, not the scratch.)
 */
struct balance_load *balance_scratch_loads(int cpu);
/* The same, for balance_pull()'s order[] (sched_possible_cpus ints). */
int *balance_scratch_order(int cpu);

/* The lowest-numbered allowed CPU with nothing runnable, or -1. */
int balance_idle_target(const struct balance_load *loads, int n,
			const struct cpumask *allowed);

/*
 * Fair rotation: a fair thread with vruntime `v` waits on this_cpu. Return
 * the CPU it should take over: an idle allowed CPU first; else, among
 * allowed CPUs whose fair curr is at least min_gran ahead of v in vruntime
 * and has run at least min_gran in its stint, the one with the longest
 * stint (has run longest), preferring this_cpu on ties (no migration),
 * then the lowest id. -1: keep waiting.
 */
int balance_rotation_target(const struct balance_load *loads, int n,
			    const struct cpumask *allowed, uint64_t v,
			    int this_cpu, uint64_t min_gran_ns);

/* Fair rotation for a thread with vruntime v waiting behind RT or
 * deadline work on its CPU: an idle allowed CPU first; else, among allowed
 * CPUs whose fair curr is at least lead_ns ahead of v, the one furthest
 * ahead in vruntime (it has had most of its share); -1: wait. */
int balance_rotation_behind_target(const struct balance_load *loads, int n,
				   const struct cpumask *allowed, uint64_t v,
				   uint64_t lead_ns);

/* Periodic pass for a waiter of `weight` on this_cpu: the allowed CPU
 * whose fair load with it added is smallest, if that is below this_cpu's
 * fair load now (the move lowers the larger of the two), else -1. With
 * nice-0 threads only and no RT/DL use: the CPU with the fewest, if it has
 * at least 2 fewer. */
int balance_push_target(const struct balance_load *loads, int n,
			const struct cpumask *allowed, int this_cpu,
			uint32_t weight);

/* New-idle / RT pull: CPUs whose most urgent queued thread is more urgent
 * than min_rank, most urgent first, then (RT) the longest queue or (fair)
 * the largest fair load, then the lowest id. Writes them into order,
 * returns how many. */
int balance_pull_order(const struct balance_load *loads, int n, int this_cpu,
		       int min_rank, int *order);

/* RT push: the allowed CPU whose running-or-queued work is least urgent
 * and below `rank`, preferring prev_cpu on ties; -1 if none. The
 * scheduler now asks cpupri (cpupri_find, the same choice without a
 * snapshot); this stays as the reference cpupri-test compares it with. */
int balance_rt_target(const struct balance_load *loads, int n,
		      const struct cpumask *allowed, int rank, int prev_cpu);

/* Apply the decisions for this CPU (balance.c; takes the locks). */
void balance_tick(int cpu, uint64_t now_ns);
/* New-idle / RT pull into `cpu`, called by schedule() with no lock held,
 * before it puts prev back: prev_rank is what would run here if nothing
 * came (RANK_IDLE when prev blocks). Moves at most one queued thread here;
 * returns true if it did. Sets nothing on this CPU: the caller is about to
 * pick. */
bool balance_pull(int cpu, uint64_t now_ns, int prev_rank);
void balance_push_rt(int cpu, uint64_t now_ns);
/* Waiters queued on cpu: make idle CPUs that may run them schedule (and
 * pull). No lock held. */
void balance_kick_idle(int cpu);

/* ---- Domains attached (topo.c, issue 13) ---------------------------------- */

#include "sched/domain.h"

/* One last-level cache group's idle masks. Bits change only by atomic
 * read-modify-write, each CPU's own bit under that CPU's rq->lock
 * (rq_idle_sync); read without locks. */
struct sched_llc {
	const struct sched_group *group; /* the LLC span */
	int lo_word, hi_word;	/* the mask words its CPUs occupy */
	struct cpumask idle_cpus;  /* CPUs with nothing running or queued
				    * (where a waking thread goes) */
	struct cpumask idle_curr;  /* CPUs running their idle thread (maybe
				    * with throttled work queued, or a thread
				    * just woken there: what the idle kick
				    * looks at, re-checked under the lock) */
	struct cpumask idle_cores; /* a core's first CPU, when every one of
				    * its SMT siblings runs its idle thread */
	unsigned rotor;		/* where the next search starts (wide LLCs;
				 * a relaxed hint, any value is safe) */
};

/*
 * The domain tree and the idle state over it, one block, built and
 * published once by sched_set_topology(); everything but the idle state
 * is read-only afterwards and read by any CPU without locks.
 * - grp_idle[g]: CPUs of group g running their idle thread (every group,
 *   one CPU's included), atomic add by each CPU for itself under its own
 *   rq->lock. A count of 0 lets a search skip the group.
 * - cpu_state[c]: SCHED_CPU_IDLE* bits, the state c's bits and counts
 *   say, written only under c's rq->lock (what rq_idle_sync compares
 *   against).
 * - check_scratch: sched_topo_check's, used with every rq->lock held.
 */
struct sched_topo {
	struct sched_domains sd;
	int nr_cpus;		/* == sched_possible_cpus at the build */
	int nr_llc;
	bool has_smt;		/* some core has 2+ threads */
	bool distances_replaced; /* the builder's 10/20 fallback */
	struct sched_llc *llc;	/* [nr_llc] */
	int *grp_idle;		/* [sd.nr_groups] */
	int *grp_llc;		/* [sd.nr_groups]: index in llc[], or -1 */
	int *check_scratch;	/* [sd.nr_groups] */
	int *grp_last_word;	/* [sd.nr_groups]: its last CPU / 64 */
	int *cpu_llc;		/* [nr_cpus]: index in llc[] */
	int *node;		/* [nr_cpus]: NUMA node (distance index) */
	uint8_t *cpu_state;	/* [nr_cpus] */
};
#define SCHED_CPU_IDLE_CURR 1	/* snap_rank == RANK_IDLE */
#define SCHED_CPU_IDLE 2	/* ... and nr_queued == 0 */

/* The published tree, or NULL (before sched_set_topology, or when it
 * failed): then every decision is the flat one. Acquire. */
struct sched_topo *sched_topo(void);
/* Forget it (sched_init; no other CPU runs). */
void sched_topo_reset(void);
/* Mirror rq's idle state (snap_rank == RANK_IDLE, and nr_queued == 0)
 * into the masks and counts. rq->lock held; call before releasing it
 * after any change of snap_rank or nr_queued. */
void rq_idle_sync(struct rq *rq);
/* cpu's bit in its LLC's idle mask (racy read). */
bool sched_topo_cpu_idle(const struct sched_topo *tp, int cpu);
/*
 * Idle CPUs allowed by `allowed` (and online), nearest `base` first: its
 * LLC, then the rest of each bigger group (nearest node first). Idle
 * means nothing running or queued, and idle cores come before idle CPUs
 * at each level when there is SMT; with running_idle, any CPU running
 * its idle thread (the idle kick's candidates). fn (may be NULL: take
 * the first) accepts or refuses each; returns the accepted CPU or -1.
 * Lock-free; a hint (see topo.c).
 */
typedef bool (*sched_idle_fn)(int cpu, void *arg);
int sched_idle_visit(struct sched_topo *tp, int base,
		     const struct cpumask *allowed, bool running_idle,
		     sched_idle_fn fn, void *arg);
/* With domains attached: prev_cpu if t may run there and it is idle, else
 * the nearest idle CPU t may run on (sched_idle_visit from prev_cpu, or
 * this CPU if prev_cpu < 0, except that once the search leaves that
 * CPU's LLC, an idle CPU in t's home node, thread_home_node(), comes
 * before the rest of that CPU's node and the other nodes); -1 if none,
 * or without domains. */
int sched_select_idle(const struct thread *t, int prev_cpu);
/* cpu's NUMA node in the attached topology; -1 without one (or a CPU
 * outside it). Lock-free (the tree is read-only once published). */
int sched_topo_node_of(int cpu);
/* *out = `and` AND the CPUs of node `node`; false (out untouched) without
 * a topology of 2+ nodes or for a node it does not have. O(nodes x
 * packages x mask words). */
bool sched_topo_node_mask(int node, const struct cpumask *and,
			  struct cpumask *out);
/* With every rq->lock held: masks and counts equal the run queues' state
 * (0, or -80..-83 after a log line). */
int sched_topo_check(void);

#endif
