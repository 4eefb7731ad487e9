// SPDX-License-Identifier: MIT
/*
 * The simulator: sched/arch.h over simulated CPUs, and the event loop.
 *
 * A "CPU" here is a struct sim_cpu: the thread it runs, its one-shot timer,
 * and a pending-IPI flag. "Context switch" (arch_switch) only records which
 * thread a CPU runs, so a blocking call made for a simulated thread returns
 * at once with the thread blocked (see sched.h). The simulated threads
 * follow scripts (run / sleep / yield / wait / loop / exit); the loop
 * advances time to the earliest of: a pending IPI (now), a running thread's
 * next script step, an arrival, a CPU timer. Every event runs the real
 * scheduler entry points with this_cpu set to the CPU concerned.
 *
 * After every event the loop can run sched_check_all() (every run queue and
 * "each thread in exactly one place") and the work-conservation check.
 *
 * Read next: scenario.c, main.c.
 */
#include "tools/schedsim/sim.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"
#include "tools/schedsim/par.h"
#include "tools/schedsim/mcstats.h"

struct sim *sim_current;

/* ---- sched/arch.h for the simulator --------------------------------------- */

uint64_t arch_now_ns(void)
{
	if (par_current)
		return par_arch_now_ns();
	return sim_current->now_ns;
}

int arch_this_cpu(void)
{
	if (par_current)
		return par_arch_this_cpu();
	return sim_current->this_cpu;
}

void arch_send_resched(int cpu)
{
	if (par_current) {
		par_arch_send_resched(cpu);
		return;
	}
	SCHED_ASSERT(cpu != sim_current->this_cpu);
	sim_current->cpu[cpu].ipi_pending = true;
}

void arch_set_timer(uint64_t deadline_ns)
{
	if (par_current) {
		par_arch_set_timer(deadline_ns);
		return;
	}
	sim_current->cpu[sim_current->this_cpu].timer_ns = deadline_ns;
}

static struct sim_thread *sim_thread_of(struct thread *t)
{
	return t ? (struct sim_thread *)t->owner : NULL;
}

void arch_switch(struct thread *prev, struct thread *next)
{
	if (par_current) {
		par_arch_switch(prev, next);
		return;
	}
	struct sim *s = sim_current;
	struct sim_thread *p = sim_thread_of(prev), *n = sim_thread_of(next);

	if (p) {
		uint64_t ran = s->now_ns - p->run_since_ns;

		if (p->pc < p->spec.nactions &&
		    p->spec.actions[p->pc].kind == SIM_ACT_RUN)
			p->burst_left_ns -= ran < p->burst_left_ns ?
						    ran :
						    p->burst_left_ns;
		p->on_cpu = -1;
	}
	if (n) {
		n->run_since_ns = s->now_ns;
		n->on_cpu = s->this_cpu;
		sim_stats_switch(s, n, s->this_cpu);
	}
	s->cpu[s->this_cpu].curr = next;
}

uint64_t arch_irq_save(void)
{
	if (par_current)
		return par_arch_irq_save();
	uint64_t old = sim_current->irq_flags;

	sim_current->irq_flags = 1;
	return old;
}

void arch_irq_restore(uint64_t flags)
{
	if (par_current) {
		par_arch_irq_restore(flags);
		return;
	}
	sim_current->irq_flags = flags;
}

/* Simulated threads hold no locks of their own across a wakeup. */
bool arch_preemptible(void)
{
	return true;
}

bool arch_in_irq(void)
{
	if (par_current)
		return par_arch_in_irq();
	return sim_current->in_irq;
}

/*
 * Locks. The simulator is single-threaded, so a lock that is already held
 * when taken is a recursion or a leak, never contention. Every acquisition
 * is also checked against the lock order written at the top of
 * sched/core.c (STYLE.md: lock ranks checked in debug builds):
 *   sched_attr_lock < wait queue locks < rq locks (by CPU id)
 *   < sched_threads_lock
 */
enum lock_rank {
	LOCK_RANK_ATTR,
	LOCK_RANK_WAITQ,	/* any lock sched/ does not name otherwise */
	LOCK_RANK_RQ,		/* ordered among themselves by CPU id */
	LOCK_RANK_THREADS,
};

#define SIM_MAX_HELD (SIM_MAX_CPUS + 16) /* the checkers take every rq lock */
static const struct sched_lock *held_locks[SIM_MAX_HELD];
static int nheld;

static int lock_rank(const struct sched_lock *l, int *sub)
{
	const char *p = (const char *)l, *rqs = (const char *)sched_rqs;

	*sub = 0;
	if (p >= rqs &&
	    p < rqs + (size_t)sched_possible_cpus * sizeof(struct rq)) {
		*sub = (int)((size_t)(p - rqs) / sizeof(struct rq));
		return LOCK_RANK_RQ;
	}
	if (l == &sched_attr_lock)
		return LOCK_RANK_ATTR;
	if (l == &sched_threads_lock)
		return LOCK_RANK_THREADS;
	return LOCK_RANK_WAITQ;
}

void arch_spin_init(struct sched_lock *l, const char *name)
{
	memset(l, 0, sizeof(*l));
	l->name = name;
}

void sim_lock_order_check(const struct sched_lock *const *held, int n,
			  const struct sched_lock *l)
{
	int sub, rank = lock_rank(l, &sub);

	for (int i = 0; i < n; i++) {
		int hsub, hrank = lock_rank(held[i], &hsub);

		if (hrank > rank || (hrank == rank && hsub >= sub)) {
			fprintf(stderr,
				"schedsim: lock order: taking %s (rank %d.%d) "
				"while holding %s (rank %d.%d)\n",
				l->name, rank, sub, held[i]->name, hrank, hsub);
			abort();
		}
	}
}

void arch_spin_lock(struct sched_lock *l)
{
	if (par_current) {
		par_arch_spin_lock(l);
		return;
	}
	if (l->opaque[0]) {
		fprintf(stderr, "schedsim: lock %s taken twice\n", l->name);
		abort();
	}
	sim_lock_order_check(held_locks, nheld, l);
	if (nheld == SIM_MAX_HELD) {
		fprintf(stderr, "schedsim: more than %d locks held\n",
			SIM_MAX_HELD);
		abort();
	}
	held_locks[nheld++] = l;
	l->opaque[0] = 1;
}

void arch_spin_unlock(struct sched_lock *l)
{
	if (par_current) {
		par_arch_spin_unlock(l);
		return;
	}
	if (!l->opaque[0]) {
		fprintf(stderr, "schedsim: lock %s released unheld\n", l->name);
		abort();
	}
	l->opaque[0] = 0;
	for (int i = 0; i < nheld; i++)
		if (held_locks[i] == l) {
			held_locks[i] = held_locks[--nheld];
			break;
		}
}

void arch_race_point(const char *name)
{
	if (par_current)
		par_arch_race_point(name);
}

bool arch_spin_held(const struct sched_lock *l)
{
	if (par_current)
		return par_arch_spin_held(l);
	return l->opaque[0] != 0;
}

/* sched_init()'s per-CPU tables (sched/arch.h): plain heap memory. */
void *arch_alloc(size_t size)
{
	return calloc(1, size);
}

void arch_free(void *p)
{
	free(p);
}

void arch_log(const char *line)
{
	struct sim *s = sim_current;

	if (par_current && par_current->quiet)
		return;

	if (s) {
		snprintf(s->last_log, sizeof(s->last_log), "%s", line);
		if (s->quiet)
			return;
	}
	fprintf(stderr, "[%12.6f] %s\n", s ? (double)s->now_ns / 1e9 : 0.0,
		line);
}

void arch_trace_event(const struct sched_trace_rec *r)
{
	char line[160];

	if (par_current) {
		if (par_current->trace) {
			sched_trace_format(r, line, sizeof(line));
			fprintf(stderr, "trace: %s\n", line);
		}
		return;
	}

	if (sim_current && sim_current->stats && r->event == STE_WAKEUP)
		sim_stats_wake(sim_current, r->tid_a, (int)r->arg);
	if (!sim_current || !sim_current->trace)
		return;
	sched_trace_format(r, line, sizeof(line));
	fprintf(sim_current->trace, "%s\n", line);
}

void arch_assert_fail(const char *cond, const char *file, int line)
{
	if (par_current) {
		char msg[256];

		snprintf(msg, sizeof(msg),
			 "cpu%d: assertion '%s' failed at %s:%d (t=%llu ns)",
			 par_current->this_cpu, cond, file, line,
			 (unsigned long long)par_current->now_ns);
		if (par_assert_hook)
			par_assert_hook(msg);
		fprintf(stderr, "%s\n", msg);
		abort();
	}
	fprintf(stderr, "cpu%d: assertion '%s' failed at %s:%d (t=%llu ns)\n",
		sim_current ? sim_current->this_cpu : -1, cond, file, line,
		sim_current ? (unsigned long long)sim_current->now_ns : 0ull);
	abort();
}

/* ---- Setup -------------------------------------------------------------------- */

static void load_action(struct sim_thread *st)
{
	if (st->pc < st->spec.nactions &&
	    st->spec.actions[st->pc].kind == SIM_ACT_RUN)
		st->burst_left_ns = st->spec.actions[st->pc].dur_ns;
	else
		st->burst_left_ns = 0;
}

int sim_spec_topology(const struct sim_spec *spec, struct cpu_topo *topo)
{
	int threads = spec->packages ? spec->smt : 1;
	int cores = spec->packages ? spec->cores : spec->ncpus;
	int packages = spec->packages ? spec->packages : 1;
	int nodes = spec->nodes ? spec->nodes : packages;
	int llc = spec->llc_cores ? spec->llc_cores : cores;

	for (int c = 0; c < spec->ncpus; c++) {
		int core = c / threads; /* machine-wide core number */
		int pkg = core / cores;
		int in_pkg = core % cores;

		topo[c].core = core;
		topo[c].package = pkg;
		/* A node is a run of packages, or a slice of one. */
		topo[c].node = nodes <= packages ?
				       pkg / (packages / nodes) :
				       pkg * (nodes / packages) +
					       in_pkg / (cores / (nodes / packages));
		topo[c].llc = pkg * cores + in_pkg / llc;
	}
	return nodes;
}

/* The same rules as the parser's (scenario.c), for specs built in code:
 * sim_spec_topology divides by each of these. */
static bool topology_ok(const struct sim_spec *spec)
{
	int nodes, per_node;

	if (!spec->packages)
		return spec->nodes <= 1 && !spec->llc_cores;
	if (spec->cores < 1 || spec->smt < 1 ||
	    spec->packages * spec->cores * spec->smt != spec->ncpus)
		return false;
	nodes = spec->nodes ? spec->nodes : spec->packages;
	per_node = spec->cores;
	if (nodes > spec->packages) {
		if (nodes % spec->packages ||
		    spec->cores % (nodes / spec->packages))
			return false;
		per_node = spec->cores / (nodes / spec->packages);
	} else if (spec->packages % nodes) {
		return false;
	}
	return !spec->llc_cores || per_node % spec->llc_cores == 0;
}

static int cmp_arrival(const void *a, const void *b)
{
	const struct sim_thread *ta = &sim_current->threads[*(const int *)a];
	const struct sim_thread *tb = &sim_current->threads[*(const int *)b];

	if (ta->spec.arrive_ns != tb->spec.arrive_ns)
		return ta->spec.arrive_ns < tb->spec.arrive_ns ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

static void sim_free(struct sim *s)
{
	sim_stats_detach(s);
	free(s->cpu);
	free(s->threads);
	free(s->arrival_order);
	free(s->topo);
	free(s->table);
	free(s);
}

struct sim *sim_create(const struct sim_spec *spec)
{
	struct sim *s = calloc(1, sizeof(*s));
	int n = spec->ncpus;

	if (!s)
		return NULL;
	if (n < 1 || n > SIM_CPU_LIMIT || spec->tick_ns == 0 ||
	    spec->nthreads < 0 || spec->nthreads > SIM_MAX_THREADS ||
	    !topology_ok(spec)) {
		free(s);
		return NULL;
	}
	/* Per-CPU state for this scenario's CPUs only. */
	s->cpu = calloc((size_t)n, sizeof(*s->cpu));
	s->topo = calloc((size_t)n, sizeof(*s->topo));
	s->threads = calloc((size_t)spec->nthreads + 1, sizeof(*s->threads));
	s->arrival_order = calloc((size_t)spec->nthreads + 1, sizeof(int));
	if (!s->cpu || !s->topo || !s->threads || !s->arrival_order) {
		sim_free(s);
		return NULL;
	}
	s->spec = *spec;
	s->nr_nodes = sim_spec_topology(spec, s->topo);
	s->check_each_event = true;
	s->check_work_conserving = true;
	par_current = NULL; /* the scenario simulator drives sched/ now */
	/* rq_check inside schedule() too (DEBUG_CHECK), not only between
	 * events. */
	sched_debug_checks = true;
	sim_current = s;
	sched_tunables_reset();
	sched_tunables.fair_slice_ns = spec->tick_ns;
	sched_tunables.tick_ns = spec->tick_ns;
	for (int i = 0; i < spec->nsets; i++)
		if (sched_tunable_set(spec->set_names[i], spec->set_values[i])) {
			sim_free(s);
			sim_current = NULL;
			return NULL;
		}
	sched_init(spec->ncpus);
	wait_queue_init(&s->wq, "sim");
	for (int c = 0; c < n; c++) {
		s->this_cpu = c;
		s->cpu[c].timer_ns = SCHED_TIMER_NONE;
		sched_cpu_online(c, &s->cpu[c].idle);
		s->cpu[c].curr = &s->cpu[c].idle;
	}
	s->this_cpu = 0;
	/* The domains, from the scenario's topology (none given: one flat
	 * LLC, which places exactly as the scheduler without domains). One
	 * CPU: nothing to attach. 10 local, 20 remote. */
	if (n > 1 && sched_set_topology(s->topo, n, NULL, s->nr_nodes) < 0) {
		sim_free(s);
		sim_current = NULL;
		return NULL;
	}
	s->nthreads = spec->nthreads;
	for (int i = 0; i < spec->nthreads; i++) {
		struct sim_thread *st = &s->threads[i];

		st->spec = spec->threads[i];
		if (st->spec.nactions == 0) {
			st->spec.actions[0].kind = SIM_ACT_RUN;
			st->spec.actions[0].dur_ns = SIM_FOREVER_NS;
			st->spec.nactions = 1;
		}
		st->on_cpu = -1;
		s->arrival_order[i] = i;
	}
	/* Arrivals due at one instant start in index order, as before the
	 * cursor: the order is (arrive_ns, index). */
	qsort(s->arrival_order, (size_t)s->nthreads, sizeof(int), cmp_arrival);
	return s;
}

void sim_destroy(struct sim *s)
{
	if (sim_current == s)
		sim_current = NULL;
	sim_free(s);
}

struct sim_thread *sim_thread_by_name(struct sim *s, const char *name)
{
	for (int i = 0; i < s->nthreads; i++)
		if (strcmp(s->threads[i].spec.name, name) == 0)
			return &s->threads[i];
	return NULL;
}

/* ---- Events -------------------------------------------------------------------- */

static bool action_due(const struct sim *s, int c, uint64_t *when)
{
	struct sim_thread *st = sim_thread_of(s->cpu[c].curr);

	if (!st || st->exited)
		return false;
	*when = st->run_since_ns + st->burst_left_ns;
	return true;
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

/* Run the running thread's script from its current step until it blocks,
 * exits, or reaches a RUN with time left. Thread context on its CPU. */
static void run_actions(struct sim *s, int c)
{
	struct sim_thread *st = sim_thread_of(s->cpu[c].curr);

	s->this_cpu = c;
	s->in_irq = false;
	for (int guard = 0; guard < 4 * SIM_MAX_ACTIONS; guard++) {
		struct sim_action *a;

		if (st->pc >= st->spec.nactions) {
			st->exited = true;
			thread_exit(0);
			return;
		}
		a = &st->spec.actions[st->pc];
		if (a->kind == SIM_ACT_RUN) {
			uint64_t ran = s->now_ns - st->run_since_ns;

			if (ran < st->burst_left_ns) {
				st->burst_left_ns -= ran;
				st->run_since_ns = s->now_ns;
				return; /* still running */
			}
		}
		/* This step is done (or takes no CPU time): next one. */
		st->pc = a->kind == SIM_ACT_LOOP ? 0 : st->pc + 1;
		st->run_since_ns = s->now_ns;
		load_action(st);
		switch (a->kind) {
		case SIM_ACT_RUN:
		case SIM_ACT_LOOP:
			break;
		case SIM_ACT_SLEEP:
			thread_sleep_for(a->dur_ns);
			break;
		case SIM_ACT_YIELD:
			st->jobs++;
			thread_yield();
			break;
		case SIM_ACT_WAIT:
			wait_queue_block_if(&s->wq, never, NULL);
			break;
		case SIM_ACT_EXIT:
			st->exited = true;
			thread_exit(0);
			return;
		}
		if (s->cpu[c].curr != &st->t)
			return; /* it blocked or was preempted */
	}
	fprintf(stderr, "schedsim: %s: script makes no progress\n",
		st->spec.name);
	abort();
}

static void arrive(struct sim *s, struct sim_thread *st)
{
	int cpu = 0;

	if (st->spec.has_mask)
		for (cpu = 0; cpu < s->spec.ncpus; cpu++)
			if (cpumask_test(&st->spec.mask, cpu))
				break;
	if (cpu >= s->spec.ncpus)
		cpu = 0;
	/* A home node without a mask: spawned there, where a real thread's
	 * first pages would come from. */
	if (st->spec.has_home && !st->spec.has_mask && s->topo)
		for (int c = 0; c < s->spec.ncpus; c++)
			if (s->topo[c].node == st->spec.home) {
				cpu = c;
				break;
			}
	if (st->spec.has_spawn_cpu)
		cpu = st->spec.spawn_cpu;
	st->started = true;
	s->this_cpu = cpu;
	s->in_irq = true; /* a spawner in interrupt context on `cpu` */
	load_action(st);
	st->create_err = thread_create(&st->t, st->spec.name, &st->spec.attr,
				       st->spec.has_mask ? &st->spec.mask : NULL);
	st->t.owner = st;
	s->in_irq = false;
	if (st->create_err) {
		st->exited = true;
		return;
	}
	if (st->spec.has_home)
		thread_set_home_node(&st->t, st->spec.home);
	sched_irq_exit();
}

void sim_as_irq(struct sim *s, int cpu, void (*fn)(void *), void *arg)
{
	s->this_cpu = cpu;
	s->in_irq = true;
	fn(arg);
	s->in_irq = false;
	sched_irq_exit();
}

static void record_rows(struct sim *s, uint64_t upto_ns)
{
	while (s->next_sample_ns < upto_ns &&
	       s->next_sample_ns < s->spec.duration_ns) {
		int n = s->spec.ncpus;

		if (s->nrows == s->table_cap) {
			s->table_cap = s->table_cap ? 2 * s->table_cap : 64;
			s->table = realloc(s->table, (size_t)s->table_cap * n *
							     sizeof(*s->table));
			if (!s->table)
				abort();
		}
		for (int c = 0; c < n; c++) {
			struct sim_thread *st = sim_thread_of(s->cpu[c].curr);
			int idx = st ? (int)(st - s->threads) : -1;

			s->table[s->nrows * n + c] = (int16_t)idx;
			if (st)
				st->table_ticks++;
		}
		s->nrows++;
		s->next_sample_ns += s->spec.tick_ns;
	}
}

/* Earliest event time, or UINT64_MAX. One pass over the CPUs, which also
 * notes the first CPU (lowest id) with each kind of event at its earliest
 * time, so one_event need not scan again: nothing changes in between. */
static uint64_t next_event_time(struct sim *s)
{
	uint64_t t = UINT64_MAX, w, ta = UINT64_MAX, tt = UINT64_MAX;

	s->ev_ipi = s->ev_act = s->ev_tmr = -1;
	for (int c = 0; c < s->spec.ncpus; c++) {
		if (s->cpu[c].ipi_pending) {
			s->ev_ipi = c;
			return s->now_ns;
		}
		if (action_due(s, c, &w) && w < ta) {
			ta = w;
			s->ev_act = c;
		}
		if (s->cpu[c].timer_ns != SCHED_TIMER_NONE &&
		    s->cpu[c].timer_ns < tt) {
			tt = s->cpu[c].timer_ns;
			s->ev_tmr = c;
		}
	}
	t = ta < tt ? ta : tt;
	if (s->next_arrival < s->nthreads) {
		w = s->threads[s->arrival_order[s->next_arrival]].spec.arrive_ns;
		if (w < t)
			t = w;
	}
	/* Something already overdue: several CPUs may be, and the first by
	 * id goes first, so let one_event scan. */
	if (ta < s->now_ns)
		s->ev_act = -2;
	if (tt < s->now_ns)
		s->ev_tmr = -2;
	return t < s->now_ns ? s->now_ns : t;
}

/* The CPU whose script step is due now (lowest id), or -1. */
static int due_action_cpu(struct sim *s)
{
	uint64_t w;

	if (s->ev_act != -2)
		return s->ev_act >= 0 && action_due(s, s->ev_act, &w) &&
				       w <= s->now_ns ?
			       s->ev_act :
			       -1;
	for (int c = 0; c < s->spec.ncpus; c++)
		if (action_due(s, c, &w) && w <= s->now_ns)
			return c;
	return -1;
}

/* The CPU whose timer is due now (lowest id), or -1. */
static int due_timer_cpu(struct sim *s)
{
	if (s->ev_tmr != -2)
		return s->ev_tmr >= 0 &&
				       s->cpu[s->ev_tmr].timer_ns <= s->now_ns ?
			       s->ev_tmr :
			       -1;
	for (int c = 0; c < s->spec.ncpus; c++)
		if (s->cpu[c].timer_ns <= s->now_ns)
			return c;
	return -1;
}

/* Process one event at time s->now_ns, in the fixed order. */
static void one_event(struct sim *s)
{
	int c;

	if ((c = s->ev_ipi) >= 0) {
		s->cpu[c].ipi_pending = false;
		s->this_cpu = c;
		s->in_irq = true;
		sched_ipi();
		s->in_irq = false;
		return;
	}
	if ((c = due_action_cpu(s)) >= 0) {
		run_actions(s, c);
		return;
	}
	if (s->next_arrival < s->nthreads &&
	    s->threads[s->arrival_order[s->next_arrival]].spec.arrive_ns <=
		    s->now_ns) {
		arrive(s, &s->threads[s->arrival_order[s->next_arrival++]]);
		return;
	}
	if ((c = due_timer_cpu(s)) >= 0) {
		s->cpu[c].timer_ns = SCHED_TIMER_NONE;
		s->this_cpu = c;
		s->in_irq = true;
		sched_timer_event();
		s->in_irq = false;
		return;
	}
}

/* Events allowed at one instant before we call it a livelock. */
#define SIM_MAX_EVENTS_PER_INSTANT 100000

int sim_run_until(struct sim *s, uint64_t until_ns)
{
	uint64_t same_instant = 0, last_ns = UINT64_MAX;

	sim_current = s;
	if (until_ns > s->spec.duration_ns)
		until_ns = s->spec.duration_ns;
	for (;;) {
		uint64_t t = next_event_time(s);

		record_rows(s, t < until_ns ? t : until_ns);
		sim_stats_advance(s, t < until_ns ? t : until_ns);
		if (t >= until_ns)
			break;
		s->now_ns = t;
		same_instant = t == last_ns ? same_instant + 1 : 0;
		last_ns = t;
		if (same_instant > SIM_MAX_EVENTS_PER_INSTANT) {
			fprintf(stderr, "schedsim: livelock at %llu ns\n",
				(unsigned long long)t);
			s->failures++;
			return -1;
		}
		one_event(s);
		s->events++;
		if (s->check_each_event && sched_check_all() != 0)
			s->failures++;
		if (s->check_work_conserving &&
		    sched_check_work_conserving(s->now_ns) != 0)
			s->failures++;
		if (s->after_event)
			s->after_event(s, s->after_event_arg);
		if (s->failures)
			return -1;
	}
	s->now_ns = until_ns;
	sched_account_all();
	return s->failures ? -1 : 0;
}

int sim_run(struct sim *s)
{
	return sim_run_until(s, s->spec.duration_ns);
}

/* ---- Output -------------------------------------------------------------------- */

void sim_print_table(const struct sim *s, FILE *out)
{
	int n = s->spec.ncpus, w = 1, rw;
	char label[32];

	for (int i = 0; i < s->nthreads; i++) {
		int l = (int)strlen(s->threads[i].spec.name);
		if (l > w)
			w = l;
	}
	snprintf(label, sizeof(label), "tick %d", s->nrows);
	rw = (int)strlen(label);
	/* Columns are numbered from 1 as in the issue; column k is logical
	 * CPU k-1. '-' is the idle thread. */
	fprintf(out, "| %-*s |", rw, "cpu");
	for (int c = 0; c < n; c++)
		fprintf(out, " %-*d |", w, c + 1);
	fprintf(out, "\n");
	for (int r = 0; r < s->nrows; r++) {
		snprintf(label, sizeof(label), "tick %d", r + 1);
		fprintf(out, "| %-*s |", rw, label);
		for (int c = 0; c < n; c++) {
			int idx = s->table[r * n + c];
			fprintf(out, " %-*s |", w,
				idx < 0 ? "-" : s->threads[idx].spec.name);
		}
		fprintf(out, "\n");
	}
}

static const char *policy_name(enum sched_policy p)
{
	static const char *const names[] = { "fair", "fifo", "rr", "deadline",
					     "idle" };
	return p < SCHED_POLICY_COUNT ? names[p] : "?";
}

void sim_print_stats(struct sim *s, FILE *out)
{
	uint64_t total_switch = 0, total_mig = 0, total_miss = 0;
	uint64_t dur = s->spec.duration_ns;

	fprintf(out, "\n%-5s %9s %6s %6s %7s %7s %7s %10s %10s %6s %6s\n",
		"cpu", "switches", "vol", "invol", "timers", "ipi_in", "mig_in",
		"busy_us", "idle_us", "thrtl", "miss");
	for (int c = 0; c < s->spec.ncpus; c++) {
		struct sched_cpu_stats cs;

		sched_cpu_stats(c, &cs);
		fprintf(out,
			"%-5d %9llu %6llu %6llu %7llu %7llu %7llu %10llu %10llu "
			"%6llu %6llu\n",
			c, (unsigned long long)cs.switches,
			(unsigned long long)cs.voluntary_switches,
			(unsigned long long)cs.involuntary_switches,
			(unsigned long long)cs.timer_events,
			(unsigned long long)cs.ipis_received,
			(unsigned long long)cs.migrations_in,
			(unsigned long long)(cs.busy_ns / 1000),
			(unsigned long long)(cs.idle_ns / 1000),
			(unsigned long long)cs.throttle_events,
			(unsigned long long)cs.dl_misses);
	}
	fprintf(out, "\n%-8s %-8s %10s %7s %6s %5s %6s %6s %10s %6s %6s\n",
		"thread", "class", "run_us", "share%", "ticks", "migr", "vol",
		"invol", "wait_us", "miss", "thrtl");
	for (int i = 0; i < s->nthreads; i++) {
		struct sim_thread *st = &s->threads[i];
		struct sched_thread_stats *ts = &st->t.stats;
		/* share in hundredths of a percent, integer arithmetic */
		uint64_t share = dur ? ts->run_ns * 10000 / dur : 0;

		if (st->create_err) {
			fprintf(out, "%-8s refused: %d\n", st->spec.name,
				st->create_err);
			continue;
		}
		fprintf(out,
			"%-8s %-8s %10llu %4llu.%02llu %6llu %5llu %6llu %6llu "
			"%10llu %6llu %6llu\n",
			st->spec.name, policy_name(st->spec.attr.policy),
			(unsigned long long)(ts->run_ns / 1000),
			(unsigned long long)(share / 100),
			(unsigned long long)(share % 100),
			(unsigned long long)st->table_ticks,
			(unsigned long long)ts->migrations,
			(unsigned long long)ts->voluntary_switches,
			(unsigned long long)ts->involuntary_switches,
			(unsigned long long)(ts->wait_ns / 1000),
			(unsigned long long)ts->dl_misses,
			(unsigned long long)ts->throttle_events);
		total_switch += ts->voluntary_switches + ts->involuntary_switches;
		total_mig += ts->migrations;
		total_miss += ts->dl_misses;
	}
	fprintf(out,
		"\ntotal: %llu thread switches, %llu migrations, %llu deadline "
		"misses, %llu events, %d check failures\n",
		(unsigned long long)total_switch, (unsigned long long)total_mig,
		(unsigned long long)total_miss, (unsigned long long)s->events,
		s->failures);
}
