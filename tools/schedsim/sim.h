/* SPDX-License-Identifier: MIT */
/*
 * schedsim: runs the real sched/ sources over N simulated CPUs with a simulated
 * clock and a deterministic event loop. sim.c implements sched/arch.h;
 * scenario.c parses scenario files; main.c is the command-line tool. The
 * cmocka tests in tests/unit/sched/ drive the same code through this API.
 *
 * Determinism: one event at a time, in a fixed order at equal times
 * (reschedule IPIs, then thread actions, then arrivals, then timers, each
 * by CPU id); no host clock, no host threads, seeded randomness only.
 *
 * Read next: sim.c, then docs/scheduler.md (scenario and trace formats).
 */
#ifndef COHORT_SCHEDSIM_SIM_H
#define COHORT_SCHEDSIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sched/domain.h"
#include "sched/sched.h"

/* Simulated CPUs a scenario may ask for. The scheduler's own limit
 * (SCHED_MAX_CPUS) and the mask width can be lower: SIM_CPU_LIMIT is the
 * one the parser enforces. Per-CPU simulator state is allocated for the
 * scenario's count, so the maximum costs nothing. */
#define SIM_MAX_CPUS 1024
#define SIM_MIN3(a, b, c) \
	((a) < (b) ? ((a) < (c) ? (a) : (c)) : ((b) < (c) ? (b) : (c)))
#define SIM_CPU_LIMIT SIM_MIN3(SIM_MAX_CPUS, SCHED_MAX_CPUS, CPUMASK_BITS)
#define SIM_MAX_THREADS 4096
#define SIM_MAX_ACTIONS 16
#define SIM_FOREVER_NS (UINT64_MAX / 4)

enum sim_action_kind {
	SIM_ACT_RUN,	/* use the CPU for dur_ns */
	SIM_ACT_SLEEP,	/* thread_sleep_for(dur_ns) */
	SIM_ACT_YIELD,	/* thread_yield() (deadline: end of job) */
	SIM_ACT_WAIT,	/* block on the simulator's wait queue */
	SIM_ACT_LOOP,	/* start the script again */
	SIM_ACT_EXIT,	/* thread_exit(0) */
};

struct sim_action {
	enum sim_action_kind kind;
	uint64_t dur_ns;
};

struct sim_thread_spec {
	char name[16];
	struct sched_attr attr;
	struct cpumask mask;
	bool has_mask;
	uint64_t arrive_ns;
	int spawn_cpu;		/* CPU whose "interrupt" creates it ... */
	bool has_spawn_cpu;	/* ... if set; else the first CPU in its mask */
	int node;		/* node=N: mask = that node's CPUs; -1 none */
	int home;		/* home=N: thread_set_home_node(N) at
				 * creation, spawned on that node (its
				 * memory is there) ... */
	bool has_home;		/* ... if set */
	struct sim_action actions[SIM_MAX_ACTIONS];
	int nactions;		/* 0: run forever */
};

struct sim_spec {
	int ncpus;
	uint64_t duration_ns;
	uint64_t tick_ns;	/* table row period; also the fair slice */
	struct sim_thread_spec threads[SIM_MAX_THREADS];
	int nthreads;
	/* Tunables from the scenario ("set NAME VALUE"), applied in order. */
	char set_names[16][32];
	uint64_t set_values[16];
	int nsets;
	/* Topology ("topology PxCxT", "numa N", "llc C"); packages == 0: none
	 * given, every CPU its own core in one LLC, package and node. */
	int packages, cores, smt;	/* per machine, package, core */
	int nodes;			/* 0: one per package */
	int llc_cores;			/* 0: the whole package (or node) */
};

/* The per-CPU topology a spec describes (cpus filled in topo[0..ncpus)):
 * CPU ids are dense, SMT siblings adjacent, then cores, then packages
 * (cpu = (package * cores + core) * threads + thread). Also the number of
 * nodes. Host only: sim.c and the reports use it. */
int sim_spec_topology(const struct sim_spec *spec, struct cpu_topo *topo);

struct sim_thread {
	struct thread t;	/* the scheduler's thread (t.owner = this) */
	struct sim_thread_spec spec;
	int create_err;		/* thread_create's result (0, -EBUSY...) */
	bool started, exited;
	int pc;			/* current action */
	uint64_t burst_left_ns;	/* of the current RUN action */
	uint64_t run_since_ns;	/* when it last got a CPU or ended a RUN */
	int on_cpu;		/* -1 when not running */
	uint64_t table_ticks;	/* table rows showing it */
	uint64_t jobs;		/* deadline jobs completed (YIELD count) */
};

struct sim_cpu {
	struct thread idle;
	struct thread *curr;
	uint64_t timer_ns;	/* SCHED_TIMER_NONE when not armed */
	bool ipi_pending;
};

struct sim {
	struct sim_spec spec;
	uint64_t now_ns;
	int this_cpu;
	bool in_irq;
	uint64_t irq_flags;	/* 1 = interrupts off */
	struct sim_cpu *cpu;		/* [spec.ncpus] */
	struct sim_thread *threads;	/* [spec.nthreads] */
	int nthreads;
	int *arrival_order;		/* thread indexes by (arrive_ns, index) */
	int next_arrival;		/* first not yet started in that order */
	struct cpu_topo *topo;		/* [spec.ncpus], from sim_spec_topology */
	int nr_nodes;
	struct sim_stats *stats;	/* --stats: mcstats.c, NULL when off */
	/* From next_event_time for one_event: first CPU with an IPI, a due
	 * script step, a due timer (-1 none, -2 scan again). */
	int ev_ipi, ev_act, ev_tmr;
	struct wait_queue wq;	/* SIM_ACT_WAIT blocks here */

	/* Options. */
	bool check_each_event;	/* sched_check_all after every event */
	bool check_work_conserving;
	bool quiet;		/* no log lines on stderr */
	FILE *trace;		/* --trace */

	/* Results. */
	int failures;		/* checker failures seen */
	uint64_t events;
	char last_log[256];
	int nrows;		/* table rows recorded */
	int16_t *table;		/* nrows x ncpus: thread index, -1 idle */
	int table_cap;
	uint64_t next_sample_ns;
	/* Called after every event (tests: random operations, checks). */
	void (*after_event)(struct sim *s, void *arg);
	void *after_event_arg;
};

/* The simulator the arch functions act on (one at a time). */
extern struct sim *sim_current;

/* Create a simulator from a spec: brings CPUs online. Threads arrive at
 * their arrival times. Returns NULL on allocation failure. */
struct sim *sim_create(const struct sim_spec *spec);
void sim_destroy(struct sim *s);

/* Run until the spec's duration. Returns 0, or -1 if a check failed or the
 * event loop livelocked. */
int sim_run(struct sim *s);
/* Run until now >= until_ns (or the duration). Same return. */
int sim_run_until(struct sim *s, uint64_t until_ns);

/* Run `fn` as if on `cpu` in interrupt context, then take the interrupt
 * exit path (a reschedule if needed). For tests poking the scheduler. */
void sim_as_irq(struct sim *s, int cpu, void (*fn)(void *), void *arg);

void sim_print_table(const struct sim *s, FILE *out);
void sim_print_stats(struct sim *s, FILE *out);

/* Abort (naming both locks) if taking `l` while holding held[0..n) breaks
 * the lock order of sched/core.c. Shared with par.c. */
void sim_lock_order_check(const struct sched_lock *const *held, int n,
			  const struct sched_lock *l);

/* Find a thread by name, NULL if absent. */
struct sim_thread *sim_thread_by_name(struct sim *s, const char *name);

/* Parse a scenario (docs/scheduler.md). Returns 0, or -1 with a message
 * "line N: ..." in err. */
int scenario_parse(const char *text, struct sim_spec *spec, char *err,
		   size_t errlen);
/* Duration "10ms", "250us", "3s", "1500ns" or plain ns. -1 if invalid. */
int scenario_parse_duration(const char *s, uint64_t *ns);

#endif
