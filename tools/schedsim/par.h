/* SPDX-License-Identifier: MIT */
/*
 * par: the real sched/ code over N simulated CPUs that truly interleave.
 *
 * The scenario simulator (sim.h) runs one event at a time and its blocking
 * calls return at once; that is right for measuring policy and wrong for
 * finding races, because no CPU ever runs while another is half-way
 * through a scheduler call. Here every simulated thread is a coroutine
 * with its own stack, exactly like a kernel thread: arch_switch() swaps
 * stacks, a blocked thread's C frames wait until it is switched back in,
 * and it may resume on another CPU. The "CPUs" take turns at hook points:
 * every lock acquire and release, every point where interrupts come back
 * on, and the threads' own relax points. A policy decides, at each hook,
 * which CPU runs next:
 *
 * - directed: a test's callback sees every hook (CPU, kind, lock) and may
 *   switch to another CPU there, which then runs until it parks (halts,
 *   reaches a relax point, or spins on a lock someone holds). That is how a
 *   regression test puts one CPU's operation inside another's exact window.
 * - random: a seeded PRNG switches at hooks and advances time; the explorer
 *   (explore.c) runs thousands of seeds with the checkers after every step.
 *
 * A thread that spins on a lock another CPU holds yields until the holder
 * releases it, so any interleaving that respects the locks can happen; if
 * every CPU spins, that is a deadlock and is reported. Interrupts (the
 * reschedule IPI, the CPU's one-shot timer) are delivered on the running
 * thread's stack at points where its interrupts are on, then the
 * scheduler's entry point runs (and may switch), as in kernel/sched_glue.c.
 *
 * Only one of sim and par drives sched/ at a time (they share sched/'s
 * globals): par_create() takes over until par_destroy().
 *
 * Read next: par.c, then tests/unit/sched/race-test.c and explore.c.
 */
#ifndef COHORT_SCHEDSIM_PAR_H
#define COHORT_SCHEDSIM_PAR_H

#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

#include "sched/sched.h"

#define PAR_MAX_CPUS 8
#define PAR_MAX_THREADS 64
#define PAR_MAX_HELD 16

enum par_hook {
	PAR_HOOK_LOCK,	  /* about to take `lock` */
	PAR_HOOK_UNLOCK,  /* just released `lock` */
	PAR_HOOK_IRQ_ON,  /* interrupts just came back on */
	PAR_HOOK_RELAX,	  /* a thread's relax point (busy loop, compute) */
	PAR_HOOK_POINT,	  /* a named RACE_POINT in sched/ */
	PAR_HOOK_COUNT,
};

struct par;
struct par_thread;

typedef void (*par_body_fn)(struct par *p, struct par_thread *self);

struct par_thread {
	struct thread t;	/* the scheduler's thread; t.arch_ctx = this */
	ucontext_t ctx;		/* where it stopped (switch or yield) */
	char *stack;
	size_t stack_size;
	par_body_fn body;	/* NULL for an idle thread */
	void *arg;
	int id;			/* index in par.threads, or -1 - cpu (idle) */
	bool in_use, exited, reaped;
	uint64_t runs;		/* times it was switched in */
	uint64_t wakes_pending;	/* a wake that returned true, not yet run */
	size_t max_depth;	/* deepest stack use seen at a hook, bytes */
	int in_finish;		/* inside sched_finish_switch (race points) */
	uint64_t switches_in_finish; /* switched out from inside it */
	void *user;		/* free for the test */
};

struct par_cpu {
	struct par_thread idle;
	struct par_thread *curr; /* the coroutine running on this CPU */
	uint64_t irq_flags;	/* 1 = interrupts off */
	bool in_irq;		/* inside an interrupt handler */
	uint64_t timer_ns;	/* SCHED_TIMER_NONE when not armed */
	bool ipi_pending;
	void (*call_fn)(void *); /* par_irq_call, pending */
	void *call_arg;
	/* Why it stopped last: it halted (idle, interrupts on), it is at a
	 * relax point, or it spins on `spinning_on`. */
	bool halted, relaxing;
	const struct sched_lock *spinning_on;
	const struct sched_lock *held[PAR_MAX_HELD];
	int nheld;
};

struct par {
	int ncpus;
	uint64_t now_ns;
	int this_cpu;
	struct par_cpu cpu[PAR_MAX_CPUS];
	struct par_thread threads[PAR_MAX_THREADS];
	ucontext_t main_ctx;

	/* Directed policy: called at every hook of every CPU; returns the
	 * CPU that should run now (it runs until it parks), or -1 to carry
	 * on. */
	int (*on_hook)(struct par *p, int cpu, enum par_hook kind,
		       const struct sched_lock *lock, const char *point,
		       void *arg);
	void *on_hook_arg;

	/* Random policy (explorer): at each hook switch CPU with
	 * probability switch_pct%; advance time by up to max_step_ns. */
	bool random;
	uint64_t rng;
	unsigned switch_pct;
	uint64_t max_step_ns;

	bool quiet;		/* drop sched/'s log lines (explorer) */
	bool trace;		/* print sched/'s trace records on stderr */

	/* Checks, at points where no CPU holds a lock. */
	bool check_each_step;
	uint64_t checks_run;

	/* Results. */
	uint64_t steps, hooks;
	int failures;
	char fail[256];
	int want_cpu;		/* a hook asked for this CPU (-1 none) */
	int sticky_cpu;		/* runs until it parks (directed mode) */
};

extern struct par *par_current;

/* If set, a failed SCHED_ASSERT while par runs calls this (explore.c
 * records it and long-jumps out of the run) instead of aborting. */
extern void (*par_assert_hook)(const char *msg);

/* New machine with ncpus CPUs online, each in its idle thread, at t=0,
 * domains attached as one flat LLC (every CPU its own core). */
struct par *par_create(int ncpus);
/* The same with topo[0..ncpus) and nr_nodes attached instead (10 local,
 * 20 remote): SMT cores, several LLCs and nodes, so interleavings also
 * check the idle-core bits, the counts of every level and the searches
 * across groups (sched/topo.c). */
struct par *par_create_topo(int ncpus, const struct cpu_topo *topo,
			    int nr_nodes);
void par_destroy(struct par *p);

/*
 * Create a thread running body(p, self) from CPU `cpu` (in its interrupt
 * context, as the simulator's arrivals do). attr/mask as thread_create.
 * Returns the thread, or NULL with *err set (-EBUSY ...).
 */
struct par_thread *par_spawn(struct par *p, int cpu, const char *name,
			     par_body_fn body, void *arg,
			     const struct sched_attr *attr,
			     const struct cpumask *mask, int *err);

/* Create a thread from inside a thread body (thread context). */
struct par_thread *par_thread_create(struct par *p, const char *name,
				     par_body_fn body, void *arg,
				     const struct sched_attr *attr,
				     const struct cpumask *mask, int *err);

/* Join from inside a body: blocks until t exited, reaps it. */
int par_join(struct par *p, struct par_thread *t);

/* A relax point in a body: interrupts may be delivered here and another
 * CPU may run. */
void par_relax(struct par *p);
/* Busy-run (compute) until now_ns >= until_ns, relaxing. */
void par_compute_until(struct par *p, uint64_t until_ns);

/*
 * Run until every thread has exited and every CPU is idle with nothing
 * pending, or until `until_ns` of simulated time (0: no limit). Returns 0,
 * or -1 with p->fail set: a checker failed, a deadlock (every CPU spins),
 * a lost wakeup (a blocked thread that nothing can wake: neither sleeping
 * nor on a wait queue), or no progress.
 */
int par_run(struct par *p, uint64_t until_ns);

/* Reap every exited thread from outside (end of a test). */
void par_reap_all(struct par *p);

/* Record a failure (first reason kept). */
void par_fail(struct par *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Run fn(arg) in interrupt context on `cpu` at its next interrupt window
 * (an IPI carrying a function, for tests). One at a time per CPU. */
void par_irq_call(struct par *p, int cpu, void (*fn)(void *), void *arg);

/* Which CPU a thread is running on right now, or -1. */
int par_running_on(struct par *p, const struct par_thread *t);

/* For sim.c: the arch layer while par is active. */
uint64_t par_arch_now_ns(void);
int par_arch_this_cpu(void);
void par_arch_send_resched(int cpu);
void par_arch_set_timer(uint64_t deadline_ns);
void par_arch_switch(struct thread *prev, struct thread *next);
uint64_t par_arch_irq_save(void);
void par_arch_irq_restore(uint64_t flags);
bool par_arch_in_irq(void);
void par_arch_spin_lock(struct sched_lock *l);
void par_arch_race_point(const char *name);
void par_arch_spin_unlock(struct sched_lock *l);
bool par_arch_spin_held(const struct sched_lock *l);

#endif
