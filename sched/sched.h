/* SPDX-License-Identifier: MIT */
/*
 * The scheduler's public API: threads, their scheduling attributes and
 * affinity, sleeping, wait queues, and the entry points the interrupt glue
 * calls (timer, reschedule IPI, CPU bring-up).
 *
 * What it does: runs threads on per-CPU run queues with four classes in
 * strict priority order (deadline > rt > fair > idle), balances them across
 * CPUs, and programs each CPU's timer only when something needs time
 * (tickless). What it does not do: allocate memory after sched_init(),
 * which takes its per-CPU tables from arch_alloc() once (callers own every
 * struct thread and its stack), touch hardware (see arch.h), or know about
 * processes or user space.
 *
 * Blocking calls and the simulator: in the kernel, a call that blocks
 * (thread_sleep_until, wait_queue_block_if, thread_exit, thread_join) returns
 * when the thread runs again. In the simulator the call returns at once with
 * the thread blocked and the CPU given to someone else; the simulator then
 * drives the thread's script. Both follow from arch_switch's contract.
 *
 * Read next: sched_internal.h (run queues, class table), then core.c.
 */
#ifndef COHORT_SCHED_H
#define COHORT_SCHED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sched/arch.h"
#include "sched/config.h"
#include "sched/list.h"
#include "sched/rbtree.h"

/* Error codes (Linux values). kernel/ has no errno header yet. */
#ifndef EAGAIN
#define EAGAIN 11
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ERANGE
#define ERANGE 34
#endif

/* ---- CPU masks -------------------------------------------------------- */

/* One mask type for the whole kernel (arch-free, header-only). The
 * scheduler tracks the first sched_init()'s ncpus of its bits. */
#include "kernel/cpumask.h"

/* ---- Attributes --------------------------------------------------------- */

enum sched_policy {
	SCHED_POLICY_FAIR = 0,
	SCHED_POLICY_FIFO,	/* rt class, runs until it blocks or yields */
	SCHED_POLICY_RR,	/* rt class, round-robin among equals */
	SCHED_POLICY_DEADLINE,	/* EDF + CBS */
	SCHED_POLICY_IDLE,	/* the per-CPU idle thread only */
	SCHED_POLICY_COUNT,
};

/* RT priorities: higher number = more urgent, as in Linux's sched_param. */
#define SCHED_RT_PRIO_MIN 0
#define SCHED_RT_PRIO_MAX 99
#define SCHED_RT_NR_PRIO 100
#define SCHED_NICE_MIN (-20)
#define SCHED_NICE_MAX 19

/* Modelled on Linux struct sched_attr; fields a policy does not use must be
 * zero (so a typo in the policy shows up as -EINVAL, not silently). */
struct sched_attr {
	enum sched_policy policy;
	int rt_priority;		/* FIFO/RR: 0..99 */
	int nice;			/* FAIR: -20..19 */
	uint64_t dl_runtime_ns;		/* DEADLINE: runtime <= deadline <= period */
	uint64_t dl_deadline_ns;
	uint64_t dl_period_ns;
};

/* ---- Threads -------------------------------------------------------------- */

enum thread_state {
	THREAD_NEW = 0,		/* initialised, never started */
	THREAD_RUNNABLE,	/* queued in its class on rq of `cpu` */
	THREAD_RUNNING,		/* rq->curr of `cpu` */
	THREAD_BLOCKED,		/* on a wait queue, sleeping, or joining */
	THREAD_ZOMBIE,		/* exited, waiting for thread_join */
	THREAD_DEAD,		/* joined; the owner may free it */
};

struct sched_thread_stats {
	uint64_t voluntary_switches;	/* it blocked, slept or yielded */
	uint64_t involuntary_switches;	/* preempted while runnable */
	uint64_t migrations;		/* changed CPU */
	uint64_t run_ns;		/* time on a CPU */
	uint64_t wait_ns;		/* runnable but not running */
	uint64_t dl_misses;		/* jobs that finished after their deadline */
	uint64_t throttle_events;	/* CBS budget or RT throttle hit */
};

/* Fair class state; guarded by the thread's rq lock. */
struct fair_entity {
	struct rb_node node;	/* in rq->fair.tree while queued */
	uint64_t vruntime;	/* weighted run time, ns at nice 0 */
	uint32_t weight;	/* from nice, 1024 at nice 0 */
};

/* RT class state; guarded by the thread's rq lock. */
struct rt_entity {
	struct list_node node;	/* in rq->rt.queue[prio] while queued */
	uint64_t slice_left_ns; /* RR only */
	bool requeue_tail;	/* put_prev goes to the tail (RR expiry, yield) */
};

/* Deadline class state; guarded by the thread's rq lock. The admission
 * fields (bw, home_cpu) are also guarded by the attr lock (core.c). */
struct dl_entity {
	struct rb_node node;	   /* in rq->dl.tree while queued */
	struct list_node throttle_node; /* in rq->dl.throttled while throttled */
	uint64_t runtime_ns, deadline_ns, period_ns; /* parameters */
	uint64_t bw;		   /* runtime/period, SCHED_BW_ONE == 1 */
	int home_cpu;		   /* admission charged here; runs only here */
	uint64_t abs_deadline_ns;  /* CBS scheduling deadline */
	int64_t budget_ns;	   /* CBS remaining runtime, may go negative */
	uint64_t job_release_ns;   /* when the current job was released */
	uint64_t job_deadline_ns;  /* release + relative deadline (misses) */
	uint64_t replenish_ns;	   /* throttled until this time */
	bool throttled;
};

struct wait_queue {
	struct sched_lock lock;	/* guards `waiters` and each waiter's
				 * waiting_on/wait_node */
	struct list_node waiters; /* FIFO: wake_one wakes the oldest */
};

struct thread {
	/* Set by thread_create; read-only afterwards (the name may change
	 * through thread_set_name, under sched_threads_lock). */
	int tid;
	char name[16];
	/* Set by the creator BEFORE thread_create, which keeps them: the
	 * new thread may run (and be switched to) before it returns. */
	void *arch_ctx;		/* the glue's saved context / stack; opaque */
	void *owner;		/* free for the creator (the simulator's script) */

	/* Guarded by the lock of rq(cpu). `cpu` changes only with both the
	 * old and the new run-queue locks held, so holding rq(cpu)'s lock
	 * and re-reading `cpu` pins the thread. */
	enum thread_state state;
	int cpu;		/* run queue it is on / last ran on; -1 = none */
	const struct sched_class *class;
	enum sched_policy policy;
	int rt_priority;
	int nice;
	struct cpumask allowed;	/* hard affinity, never violated */
	uint64_t exec_start_ns;	/* when it last got the CPU (run accounting) */
	uint64_t wait_start_ns;	/* when it last became queued */
	struct fair_entity fair;
	struct rt_entity rt;
	struct dl_entity dl;
	struct rb_node sleep_node; /* in rq(cpu)->sleepers while sleeping */
	uint64_t wake_at_ns;
	bool sleeping;
	/* Bumped each time it blocks (sleep or wait queue), with the rq lock
	 * held: a waker that found it in one block and acts later (a timer
	 * batch, a wait-queue pop) passes the number it saw, and a wakeup
	 * meant for an earlier block is ignored. */
	unsigned block_seq;
	/* BLOCKED only in transit: its CPU left its affinity while it was
	 * running or queued, and the CPU moving it re-places it through the
	 * wakeup path. Not a block: no other wakeup may end it (thread_wake
	 * returns false), or the caller would count a wakeup of a thread that
	 * never blocked. */
	bool replacing;
	/* Set by thread_interrupt() on a thread that was not blocked: its
	 * next block (wait queue or sleep) returns at once instead, and
	 * clears it. */
	bool interrupt_pending;
	struct sched_thread_stats stats;

	/* Set under rq lock by the CPU switching it out, cleared (release)
	 * in sched_finish_switch once its context is saved. */
	atomic_int on_cpu;

	/* The wait queue it is blocked on, or NULL. Written with BOTH that
	 * queue's lock and the thread's rq lock held (the queue first: lock
	 * order), so either lock is enough to read it: a waker holding only
	 * the rq lock can tell "blocked on a queue" (the queue's business)
	 * from "sleeping or otherwise blocked". wait_node is guarded by the
	 * queue's lock. */
	struct wait_queue *waiting_on;
	struct list_node wait_node;

	/* Exit/join: exit_code written before state becomes ZOMBIE. */
	int exit_code;
	struct wait_queue join_wq;	/* joiners block here */

	/* NUMA home-node hint for placement: the node where most of the
	 * thread's memory is (for a user thread, its process's resident
	 * pages, kernel/mm/aspace.h). Stored as node + 1 so that 0, what
	 * thread_create's memset leaves, means "no home" (kernel threads,
	 * and user threads before their first fault): placement then uses
	 * the node the thread last ran on. Written by the thread itself
	 * (user fault path, kernel/trap.c; schedsim's home=N key) with a
	 * relaxed atomic store; any CPU reads it with thread_home_node(),
	 * lock-free: a hint, possibly stale. */
	int home_node;
	/* When balancing last moved it to another node (0: never). Written
	 * by balance.c's move_to under the locks of both run queues, read
	 * under the lock of the queue it waits on: the early node pass does
	 * not move it across again for a while (ping-pong damping). */
	uint64_t node_moved_ns;

	/* Guarded by the thread-table lock (core.c). */
	struct list_node all_node;
	/* Scratch for the checkers (sched_check_all); single-threaded use. */
	unsigned check_seen;
};

/* The home-node hint (see struct thread): the node, or -1 if none was
 * set. Read by fair wake-up placement (beyond the previous CPU's LLC, an
 * idle CPU in this node first), the node-level balancing pass and the
 * deadline home search (this node first). A hint: any value is safe
 * (a node the machine does not have is ignored). */
static inline int thread_home_node(const struct thread *t)
{
	return __atomic_load_n(&t->home_node, __ATOMIC_RELAXED) - 1;
}

/* node < 0: forget the hint. */
static inline void thread_set_home_node(struct thread *t, int node)
{
	__atomic_store_n(&t->home_node, node < 0 ? 0 : node + 1,
			 __ATOMIC_RELAXED);
}

/* ---- Bring-up and interrupt entry points (kernel glue calls these) ----- */

/*
 * Reset all scheduler state for CPU ids 0..ncpus-1 (1 <= ncpus <=
 * SCHED_MAX_CPUS): the per-CPU tables (run queues, deadline bandwidth,
 * balance scratch) are allocated here, through arch_alloc(), sized by
 * ncpus; those of an earlier sched_init() are freed first. The kernel
 * calls it once, on the boot CPU, before any CPU comes online, with the
 * number of CPUs it may start; the simulator and tests once per run. Not
 * for a running kernel. No memory: an assertion failure.
 */
void sched_init(int ncpus);

/*
 * Make `cpu` take work, with `idle` as its idle thread (storage owned by the
 * caller, thread_create not called on it). Call on that CPU with interrupts
 * off, before it first enables interrupts; `idle` becomes current.
 */
void sched_cpu_online(int cpu, struct thread *idle);

/*
 * Attach the scheduling domains (issue 13): topo[0..ncpus) describes the
 * CPUs (struct cpu_topo, kernel/topology.h; a CPU with a negative id,
 * or at or beyond ncpus, is treated as alone in a package, LLC and core
 * of node 0: it takes work but is near no other CPU); distance is
 * nr_nodes x nr_nodes SLIT-style (NULL: 10 local, 20 remote). Builds the
 * domain tree with sched_domains_create() over every CPU id sched_init()
 * sized for, and publishes it (release; readers acquire): from then on
 * wake-up placement and the idle kick search idle CPUs nearest first
 * through per-LLC idle masks. Before it, and if it fails, every decision
 * is the flat one. Once per sched_init(), after the CPUs described are
 * online, with no lock held and interrupts on (it allocates). Returns 0,
 * 1 (a bad distance matrix was replaced by 10/20), -EINVAL (bad input,
 * or fewer than 2 CPUs: nothing to attach), -ENOMEM, -EBUSY (already
 * attached).
 */
struct cpu_topo;
int sched_set_topology(const struct cpu_topo *topo, int ncpus,
		       const uint8_t *distance, int nr_nodes);
/* The levels attached, for the boot line: "SMT 2, LLC 16, node 16,
 * machine 32" (CPU 0's chain), or "none (flat)". Returns the length. */
int sched_topology_line(char *buf, int size);

/* Timer interrupt: the time programmed with arch_set_timer arrived. Wakes
 * sleepers, replenishes budgets, rotates and balances; may switch threads.
 * Call at the end of the handler, after EOI. */
void sched_timer_event(void);

/* Reschedule IPI arrived. May switch threads. */
void sched_ipi(void);

/* First thing run after arch_switch returns (see arch.h). Releases the
 * run-queue lock taken by the switching CPU, pushes queued RT work that
 * can run elsewhere, and wakes whoever the switch left to wake (joiners of
 * an exited thread, a thread that lost its CPU). Never switches: it may
 * set need_resched, which its caller acts on (schedule() loops; a new
 * thread calls sched_irq_exit() next, before enabling interrupts). */
void sched_finish_switch(void);

/* Pick the most urgent runnable thread for this CPU and switch to it
 * (the new-idle pull happens here, before the switch); repeats while
 * this CPU is marked for rescheduling. */
void schedule(void);

/* Call at the end of every interrupt handler that may have woken a thread
 * (the timer and IPI entry points do it themselves): switches if this CPU
 * was marked for rescheduling. */
void sched_irq_exit(void);

/* ---- Threads (thread.c) -------------------------------------------------- */

/*
 * Validate and start a thread. `t` is caller storage (zeroing not needed);
 * `attr` NULL means fair, nice 0; `mask` NULL means every online CPU.
 * Returns 0, or -EINVAL (bad name/attr/mask), -ERANGE (times too large),
 * -EBUSY (deadline admission refused). On error nothing changed and `t` is
 * not started. May preempt the caller (thread context only).
 */
int thread_create(struct thread *t, const char *name,
		  const struct sched_attr *attr, const struct cpumask *mask);

/* End the current thread with `code`; wakes joiners. Does not return in
 * the kernel. */
void thread_exit(int code);

/*
 * Reap `t` once it exited: returns 0 and stores its code (t is DEAD and may
 * be freed). If it has not exited, blocks the caller on t's join queue and
 * returns -EAGAIN; call again after waking. -EINVAL for t == current or a
 * thread that was never started or already joined.
 */
int thread_join(struct thread *t, int *code);

/* Block the current thread until now >= wake_ns (or until thread_wake).
 * A time in the past yields instead. */
void thread_sleep_until(uint64_t wake_ns);
void thread_sleep_for(uint64_t duration_ns);

/* Give up the CPU to an equal-priority thread (RR/FIFO go to the tail of
 * their list; fair gives up its slice). For a deadline thread this ends
 * the current job: it sleeps until its next period (Linux semantics). */
void thread_yield(void);

/* Wake a blocked (sleeping or waiting) thread. Returns true if this call
 * woke it. Safe from interrupts and any CPU. May preempt the caller. */
bool thread_wake(struct thread *t);

/* Rename a started thread (15 characters kept), e.g. after execve; the
 * trace records a CLASS event carrying the new name. Any thread context. */
void thread_set_name(struct thread *t, const char *name);

/* As thread_wake, and if `t` is not blocked, its next block (a wait
 * queue or a sleep) returns at once instead of blocking. For waking a
 * thread out of whatever it does next, such as a signal that must
 * interrupt a blocking call the thread is about to make: the caller
 * sets its condition first, and the thread re-checks it after every
 * block. Returns true if this call woke it. Safe from any CPU. */
bool thread_interrupt(struct thread *t);

/* Change class/priority/nice/EDF parameters in one call. Validates fully
 * first: -EINVAL (bad policy, range, zero fields, runtime > deadline >
 * period order), -ERANGE (times too large), -EBUSY (admission) and nothing
 * changes; else 0. Takes effect at once (may preempt). */
int thread_set_attr(struct thread *t, const struct sched_attr *attr);
void thread_get_attr(const struct thread *t, struct sched_attr *attr);

/* Hard affinity. -EINVAL for an empty mask or one with no online CPU
 * (nothing changes); -EBUSY if a deadline thread cannot be re-admitted on
 * the new mask. A running thread outside the new mask is moved at once. */
int thread_set_affinity(struct thread *t, const struct cpumask *mask);
void thread_get_affinity(const struct thread *t, struct cpumask *mask);

struct thread *thread_current(void);
int sched_current_cpu(void);

/* ---- Wait queues ------------------------------------------------------ */

/* `name` is kept (not copied) for lock reports. */
void wait_queue_init(struct wait_queue *wq, const char *name);

/*
 * Block the current thread on wq unless cond(arg) is true, evaluating cond
 * under wq->lock so a waker that sets the condition and then calls
 * wait_queue_wake_* (which takes wq->lock) cannot be missed. Returns true
 * if the thread blocked (kernel: it has been woken since).
 */
bool wait_queue_block_if(struct wait_queue *wq, bool (*cond)(void *), void *arg);

/* Wake the longest-waiting thread / every thread. Return how many woke.
 * Safe from interrupts and any CPU; from thread context they may preempt
 * the caller (a woken thread more urgent than it). No locks held. */
int wait_queue_wake_one(struct wait_queue *wq);
int wait_queue_wake_all(struct wait_queue *wq);

/* ---- Tracing (trace format v2, docs/tracing.md) ------------------------- */

enum sched_trace_event {
	STE_SWITCH,   /* a = prev, b = next, arg = prev's new state */
	STE_NEW,      /* a = started thread, arg = target cpu; + name, class */
	STE_CLASS,    /* a = thread whose class changed; + name, class */
	STE_WAKEUP,   /* a = woken, arg = target cpu; cpu = the waker's */
	STE_MIGRATE,  /* a = moved, arg = source cpu; cpu = destination */
	STE_TIMER,    /* a = current */
	STE_IPI,      /* a = current, arg = 1 reschedule / 0 timer kick */
	STE_IPI_SEND, /* arg = target cpu; cpu = sender */
	STE_MISS,     /* a = late thread, arg = lateness ns */
	STE_THROTTLE, /* a = throttled thread, arg = class-specific */
	STE_COUNT,
};

#define SCHED_TRACE_NO_TID INT32_MIN

/* One event as sched/ hands it to arch_trace_event(). `name`/`class_name`
 * point into live structures: valid only during the call. */
struct sched_trace_rec {
	uint64_t ns;
	int32_t cpu;
	int32_t event;	 /* enum sched_trace_event */
	int32_t tid_a, tid_b; /* SCHED_TRACE_NO_TID = none */
	int64_t arg;
	const char *name;	/* thread a's name (NEW, CLASS), else NULL */
	const char *class_name; /* thread a's class (NEW, CLASS), else NULL */
};

/* Format one record as a v2 text line (no newline). Returns the length. */
int sched_trace_format(const struct sched_trace_rec *r, char *buf, int size);
/* The v2 header line for `ncpus` CPUs. */
int sched_trace_header(int ncpus, char *buf, int size);
extern const char *const sched_trace_event_names[STE_COUNT];

/* ---- Statistics and checks ------------------------------------------------ */

struct sched_cpu_stats {
	uint64_t switches;		/* every rq->curr change, idle included */
	uint64_t voluntary_switches;	/* a thread blocked/slept/yielded here */
	uint64_t involuntary_switches;	/* a thread was preempted here */
	uint64_t wait_ns;		/* queue wait of threads picked here */
	uint64_t dl_misses;		/* late deadline jobs that ran here */
	uint64_t timer_events;		/* sched_timer_event calls */
	uint64_t ipis_sent;		/* reschedule IPIs this CPU sent */
	uint64_t ipis_received;
	uint64_t migrations_in;		/* threads moved onto this CPU */
	uint64_t idle_ns;		/* time the idle thread ran */
	uint64_t busy_ns;		/* time anything else ran */
	uint64_t throttle_events;	/* RT throttle hits */
};

/* One live thread, as `ps` shows it (racy snapshot: fields read without
 * the thread's run-queue lock, so a moving thread may look half-moved). */
struct sched_thread_info {
	int tid;
	char name[16];
	enum sched_policy policy;
	int rt_priority, nice;
	uint64_t dl_runtime_ns, dl_deadline_ns, dl_period_ns;
	int cpu;
	enum thread_state state;
	uint64_t run_ns, wait_ns, migrations;
	uint64_t switches; /* voluntary + involuntary */
};

/* Fill out[0..max) with live threads; returns how many there are (may be
 * more than max). Takes sched_threads_lock; any context. */
int sched_thread_snapshot(struct sched_thread_info *out, int max);

/* Copy of a CPU's statistics (taken under its lock). */
void sched_cpu_stats(int cpu, struct sched_cpu_stats *out);

/* Thread currently running on `cpu` (racy snapshot; for tools). The
 * pointer may be stale (that thread exited and was freed) by the time the
 * caller looks: never dereference it, use sched_cpu_curr_info(). */
struct thread *sched_cpu_curr(int cpu);

/* Tid and name of the thread running on `cpu`, copied under its run-queue
 * lock (so the thread cannot be reaped meanwhile). Returns false, leaving
 * the outputs untouched, if `cpu` takes no threads. Any context. */
bool sched_cpu_curr_info(int cpu, int *tid, char name[16]);

/* Bring per-thread and per-CPU run/idle time up to now (for reports). */
void sched_account_all(void);

/* The same for this CPU only: the calling thread's run time is current
 * when this returns. Cheap (one lock, this CPU's); the exit path uses it
 * where sched_account_all() would lock every run queue per exit. */
void sched_account_current(void);

/*
 * Whole-scheduler checker: every run queue (rq_check) and the global
 * invariant that every live thread is in exactly one place (running on one
 * CPU, queued once, sleeping once, or blocked). Returns 0, or a negative
 * number after logging the first broken rule. Takes every lock; for tests,
 * the simulator (after each event) and debug builds.
 */
int sched_check_all(void);

/*
 * Work conservation: fails (negative, with a log line) if some online CPU
 * has been idle while a thread queued on another CPU, allowed on it, was
 * waiting, and that overlap has lasted longer than one balance interval
 * without the idle CPU being told to reschedule (a decision not made), or
 * longer than SCHED_DELIVERY_LIMIT_INTERVALS intervals after it was told
 * (a reschedule never acted on). A waiter queued on a CPU that is itself
 * idle and told to reschedule is that CPU's delivery: the same longer
 * bound, from when the waiter was queued.
 * `now_ns` is passed so callers can check at any (simulated) instant.
 */
int sched_check_work_conserving(uint64_t now_ns);

/* A reschedule IPI to an idle CPU may take this many balance intervals to
 * be acted on before the work-conservation check fails (see check.c). */
#define SCHED_DELIVERY_LIMIT_INTERVALS 20
/* Checks that found a waiter next to an idle CPU already told to
 * reschedule (late delivery, within the limit above). */
extern uint64_t sched_wc_late_deliveries;

/* When true, DEBUG_CHECK runs rq_check after each schedule() (tests and
 * debug builds; off by default because it is O(n)). */
extern bool sched_debug_checks;

#endif
