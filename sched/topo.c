// SPDX-License-Identifier: MIT
/*
 * The domain tree attached to the scheduler (issue 13, docs/scheduler.md
 * "Domains"): sched_set_topology() builds it once with
 * sched_domains_create() and publishes it; from then on every CPU keeps
 * its own bit in its LLC's idle masks and its count in every group above
 * it, and wake-up placement, the RT idle search and the idle kick find
 * idle CPUs nearest first through those masks instead of scanning run
 * queues.
 *
 * What it guarantees:
 * - Before publication, and forever where sched_set_topology() was never
 *   called (or failed), nothing here answers: sched_topo() is NULL and
 *   every caller does what it did before domains (flat scans).
 * - After publication the tree is read-only forever (CPUs never go
 *   offline). A CPU's idle state ("nothing runs and nothing is queued":
 *   rq->snap_rank == RANK_IDLE && rq->nr_queued == 0, the very test the
 *   flat wake-up placement makes) is mirrored, under that CPU's rq->lock,
 *   at every point where either field changes (rq_idle_sync(): end of
 *   every locked section that changes them), so with every run-queue
 *   lock held the masks and counts are exact (checked by
 *   sched_topo_check(), run by sched_check_all()).
 * - Lock-free readers see each CPU's state as of its last locked
 *   section: a hint, like the balance snapshot. Every placement is
 *   re-validated by its caller (thread_can_run_on under the locks; the
 *   kick re-checks idleness under the idle CPU's lock).
 * - Costs: setting or clearing a CPU's idle state is O(levels) atomics;
 *   finding an idle CPU near a CPU is O(mask words of its LLC) and then
 *   O(child groups with idle CPUs + their words) per level climbed:
 *   never O(CPUs).
 *
 * Publication, in two steps so no reader ever uses a mask a CPU is not
 * yet keeping: (1) `track` is stored (release): from then on every
 * rq_idle_sync() (under that rq's lock, acquire load) keeps its CPU's
 * state; (2) each online CPU's state is synced once under its lock
 * (CPUs that had no event since step 1); (3) `ready` is stored (release):
 * readers (sched_topo(), acquire) use the masks from then on.
 *
 * Read next: fair.c (fair_select_cpu), balance.c (balance_kick_idle).
 */
#include "sched/sched_internal.h"

#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"

#ifndef ENOMEM
#define ENOMEM 12
#endif

/* Written once by sched_set_topology() (release), read with acquire;
 * reset only by sched_init() (no other CPU runs then). */
static struct sched_topo *topo_track;
static struct sched_topo *topo_ready;

struct sched_topo *sched_topo(void)
{
	return __atomic_load_n(&topo_ready, __ATOMIC_ACQUIRE);
}

void sched_topo_reset(void)
{
	struct sched_topo *tp = topo_track;

	topo_track = topo_ready = NULL;
	if (!tp)
		return;
	sched_domains_destroy(&tp->sd);
	arch_free(tp);
}

static int grp_index(const struct sched_topo *tp, const struct sched_group *g)
{
	return (int)(g - tp->sd.groups);
}

/* ---- Build and publish -------------------------------------------------------- */

/* Bytes of the block: struct sched_topo; per group an idle count, an LLC
 * index, its last mask word and the checker's scratch; per CPU its LLC index, node and
 * tracked state; then (64-byte aligned) the LLCs. */
static size_t topo_size(int nr_groups, int nr_cpus, int nr_llc)
{
	size_t s = sizeof(struct sched_topo);

	s += (size_t)nr_groups * (3 * sizeof(int)); /* grp_idle, grp_llc,
						     * grp_last_word */
	s += (size_t)nr_groups * sizeof(int);	     /* check scratch */
	s += (size_t)nr_cpus * (2 * sizeof(int) + 1); /* cpu_llc, node,
							* cpu_state */
	s = (s + 63) & ~(size_t)63;
	return s + (size_t)nr_llc * sizeof(struct sched_llc);
}

int sched_set_topology(const struct cpu_topo *topo, int ncpus,
		       const uint8_t *distance, int nr_nodes)
{
	struct sched_domains sd;
	struct sched_topo *tp;
	int rc, nr_llc = 0, n = sched_possible_cpus;
	struct cpu_topo *full;
	int max_pkg = 0, max_llc = 0, max_core = 0;
	char *p;

	if (__atomic_load_n(&topo_track, __ATOMIC_RELAXED))
		return -EBUSY; /* once: readers never see it change */
	if (!topo || ncpus < 1 || nr_nodes < 1 || n < 2)
		return -EINVAL;
	/*
	 * Every id the scheduler sized for gets a place: a CPU the caller
	 * did not describe (offline when the topology was taken, a negative
	 * id, beyond ncpus) gets a package, LLC and core of its own in node
	 * 0. So a late AP is tracked like any CPU, only never "near" another
	 * one: it is found by the machine-level searches alone.
	 */
	full = arch_alloc((size_t)n * sizeof(*full));
	if (!full)
		return -ENOMEM;
	for (int c = 0; c < ncpus && c < n; c++) {
		const struct cpu_topo *d = &topo[c];

		if (d->package < 0 || d->llc < 0 || d->core < 0 ||
		    d->node < 0)
			continue;
		max_pkg = d->package > max_pkg ? d->package : max_pkg;
		max_llc = d->llc > max_llc ? d->llc : max_llc;
		max_core = d->core > max_core ? d->core : max_core;
	}
	for (int c = 0; c < n; c++) {
		const struct cpu_topo *d = c < ncpus ? &topo[c] : NULL;

		if (d && d->package >= 0 && d->llc >= 0 && d->core >= 0 &&
		    d->node >= 0 && d->node < nr_nodes) {
			full[c] = *d;
			continue;
		}
		full[c] = (struct cpu_topo){
			.package = ++max_pkg, .die = 0, .llc = ++max_llc,
			.core = ++max_core, .thread = 0, .node = 0,
		};
	}
	rc = sched_domains_create(&sd, full, n, distance, nr_nodes);
	if (rc < 0) {
		arch_free(full);
		return rc;
	}
	if (!distance)
		rc = 0; /* asked for 10/20, not a bad matrix replaced */
	/* A CPU opens its LLC's entry if it is the LLC's lowest CPU. */
	for (int c = 0; c < n; c++)
		nr_llc += sd.cpu[c].at_level[SD_LLC]->first_cpu == c;
	tp = arch_alloc(topo_size(sd.nr_groups, n, nr_llc));
	if (!tp) {
		arch_free(full);
		sched_domains_destroy(&sd);
		return -ENOMEM;
	}
	tp->sd = sd;
	tp->nr_cpus = n;
	tp->nr_llc = nr_llc;
	tp->distances_replaced = rc == 1;
	p = (char *)(tp + 1);
	tp->grp_idle = (int *)p;
	p += (size_t)sd.nr_groups * sizeof(int);
	tp->grp_llc = (int *)p;
	p += (size_t)sd.nr_groups * sizeof(int);
	tp->check_scratch = (int *)p;
	p += (size_t)sd.nr_groups * sizeof(int);
	tp->grp_last_word = (int *)p;
	p += (size_t)sd.nr_groups * sizeof(int);
	/* Loops over a span stop at its last word (a scan of 16 words for
	 * a 2-CPU span is most of a small machine's placement cost). */
	for (int c = 0; c < n; c++) /* ascending: the last write is the max */
		for (const struct sched_group *g = sd.cpu[c].self; g;
		     g = g->parent)
			tp->grp_last_word[grp_index(tp, g)] = c / 64;
	tp->cpu_llc = (int *)p;
	p += (size_t)n * sizeof(int);
	tp->node = (int *)p;
	p += (size_t)n * sizeof(int);
	for (int c = 0; c < n; c++)
		tp->node[c] = full[c].node;
	arch_free(full);
	tp->cpu_state = (uint8_t *)p;
	tp->llc = (struct sched_llc *)((char *)tp +
				       topo_size(sd.nr_groups, n, 0));
	for (int i = 0; i < sd.nr_groups; i++)
		tp->grp_llc[i] = -1;
	nr_llc = 0;
	for (int c = 0; c < n; c++) {
		const struct sched_group *g = sd.cpu[c].at_level[SD_LLC];
		int gi = grp_index(tp, g);

		if (tp->grp_llc[gi] < 0) {
			struct sched_llc *l = &tp->llc[nr_llc];

			l->group = g;
			l->lo_word = g->first_cpu / 64;
			l->hi_word = tp->grp_last_word[gi];
			l->rotor = g->first_cpu;
			tp->grp_llc[gi] = nr_llc++;
		}
		tp->cpu_llc[c] = tp->grp_llc[gi];
		if (sd.cpu[c].at_level[SD_SMT]->weight > 1)
			tp->has_smt = true;
	}
	/* (1) Writers keep their state from here on. The fence pairs with
	 * sched_cpu_online's after it publishes `online`. */
	__atomic_store_n(&topo_track, tp, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* (2) Those that had nothing to do since. */
	for (int c = 0; c < n; c++) {
		struct rq *rq = cpu_rq(c);
		uint64_t flags;

		if (!__atomic_load_n(&rq->online, __ATOMIC_ACQUIRE))
			continue;
		flags = arch_irq_save();
		arch_spin_lock(&rq->lock);
		rq_idle_sync(rq);
		arch_spin_unlock(&rq->lock);
		arch_irq_restore(flags);
	}
	/* (3) Readers may use it. */
	__atomic_store_n(&topo_ready, tp, __ATOMIC_RELEASE);
	/* (4) Balancing through the domains: its group summaries
	 * (balance.c). Without them balancing stays machine-wide. */
	if (balance_domains_attach(&tp->sd) < 0)
		sched_log("sched: no memory for the balance summaries: "
			  "balancing stays machine-wide");
	return rc;
}

int sched_topology_line(char *buf, int size)
{
	static const char *const names[SD_NR_LEVELS] = {
		[SD_SMT] = "SMT", [SD_LLC] = "LLC", [SD_NODE] = "node",
		[SD_MACHINE] = "machine",
	};
	struct sched_topo *tp = sched_topo();
	const struct sched_cpu_domains *cd;
	int len = 0;

	if (!tp)
		return k_snprintf(buf, size, "none (flat)");
	cd = &tp->sd.cpu[0];
	if (!cd->nr)
		return k_snprintf(buf, size, "none (one CPU)");
	/* CPU 0's chain: the levels kept and their spans. */
	for (int i = 0; i < cd->nr && len < size; i++)
		len += k_snprintf(buf + len, size - len, "%s%s %d",
				  i ? ", " : "", names[cd->dom[i].level],
				  cd->dom[i].span->weight);
	if (tp->distances_replaced && len < size)
		len += k_snprintf(buf + len, size - len,
				  " (bad SLIT: 10 local, 20 remote)");
	return len;
}

/* ---- Idle state, kept by each CPU under its own lock ------------------------- */

/* The core's bit (at its first CPU, in its LLC's idle_cores) follows
 * "no sibling runs a thread" (its count == its weight). Siblings change
 * their counts under different locks, so re-read the count after writing
 * the bit and write again if it moved: the last writer wrote the bit for
 * a count that no later change followed, so the bit ends right (and with
 * every lock held nobody is between count and bit). */
static void core_fix(struct sched_topo *tp, struct sched_llc *l,
		     const struct sched_group *core)
{
	int *cnt = &tp->grp_idle[grp_index(tp, core)];
	uint64_t bit = 1ull << (core->first_cpu % 64);
	uint64_t *w = &l->idle_cores.bits[core->first_cpu / 64];
	int c1 = __atomic_load_n(cnt, __ATOMIC_SEQ_CST), c2;

	for (;;) {
		if (c1 == core->weight)
			__atomic_fetch_or(w, bit, __ATOMIC_SEQ_CST);
		else
			__atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST);
		c2 = __atomic_load_n(cnt, __ATOMIC_SEQ_CST);
		if (c2 == c1)
			return;
		c1 = c2;
	}
}

static void mask_write(struct cpumask *m, int cpu, bool on)
{
	uint64_t bit = 1ull << (cpu % 64);

	if (on)
		__atomic_fetch_or(&m->bits[cpu / 64], bit, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&m->bits[cpu / 64], ~bit, __ATOMIC_SEQ_CST);
}

/* What rq's state is, as cpu_state bits. */
static uint8_t rq_idle_state(const struct rq *rq)
{
	bool curr = rq->snap_rank == RANK_IDLE;

	return (curr ? SCHED_CPU_IDLE_CURR : 0) |
	       (curr && rq->nr_queued == 0 ? SCHED_CPU_IDLE : 0);
}

void rq_idle_sync(struct rq *rq)
{
	struct sched_topo *tp = __atomic_load_n(&topo_track, __ATOMIC_ACQUIRE);
	int cpu = rq->cpu;
	uint8_t now, was;
	struct sched_llc *l;

	/* Not online yet: sched_cpu_online syncs once it is. */
	if (!tp || cpu >= tp->nr_cpus || !rq->online)
		return;
	ASSERT_HELD(&rq->lock);
	now = rq_idle_state(rq);
	was = tp->cpu_state[cpu];
	if (now == was)
		return;
	tp->cpu_state[cpu] = now;
	l = &tp->llc[tp->cpu_llc[cpu]];
	/*
	 * Everything here is written before the caller's next fence or
	 * unlock: a CPU going idle publishes it all before it looks for
	 * queued work (newidle_pull's fence), a waker queues before it looks
	 * at these (balance_kick_idle's fence), so one of the two sees the
	 * other, pruning by counts included.
	 */
	if ((now ^ was) & SCHED_CPU_IDLE)
		mask_write(&l->idle_cpus, cpu, now & SCHED_CPU_IDLE);
	if ((now ^ was) & SCHED_CPU_IDLE_CURR) {
		bool on = now & SCHED_CPU_IDLE_CURR;

		mask_write(&l->idle_curr, cpu, on);
		for (const struct sched_group *g = tp->sd.cpu[cpu].self; g;
		     g = g->parent)
			__atomic_fetch_add(&tp->grp_idle[grp_index(tp, g)],
					   on ? 1 : -1, __ATOMIC_SEQ_CST);
		core_fix(tp, l, tp->sd.cpu[cpu].at_level[SD_SMT]);
	}
}

bool sched_topo_cpu_idle(const struct sched_topo *tp, int cpu)
{
	const struct sched_llc *l = &tp->llc[tp->cpu_llc[cpu]];

	return (__atomic_load_n(&l->idle_cpus.bits[cpu / 64],
				__ATOMIC_RELAXED) >> (cpu % 64)) & 1;
}

/* ---- Finding idle CPUs, nearest first ------------------------------------------ */

/* LLCs wider than this start their search at a rotating cursor, so
 * wakers do not all land on the lowest idle CPU; up to this width the
 * lowest idle CPU comes first, the order every 2-8 CPU result (the golden
 * tables) was made with. */
#define SCHED_SPREAD_MIN_CPUS 8

enum visit_kind {
	VISIT_CORE,	/* idle CPUs whose whole core is idle */
	VISIT_IDLE,	/* idle CPUs: nothing running, nothing queued */
	VISIT_CURR,	/* CPUs running their idle thread */
};

struct visit {
	const struct cpumask *allowed;
	sched_idle_fn fn;
	void *arg;
};

static uint64_t visit_word(const struct sched_llc *l, enum visit_kind k,
			   int w)
{
	switch (k) {
	case VISIT_CORE:
		return __atomic_load_n(&l->idle_cores.bits[w],
				       __ATOMIC_RELAXED) &
		       __atomic_load_n(&l->idle_cpus.bits[w], __ATOMIC_RELAXED);
	case VISIT_IDLE:
		return __atomic_load_n(&l->idle_cpus.bits[w], __ATOMIC_RELAXED);
	default:
		return __atomic_load_n(&l->idle_curr.bits[w], __ATOMIC_RELAXED);
	}
}

/* The candidates of one LLC, from its cursor round to it again. */
static int visit_llc(struct sched_llc *l, enum visit_kind k,
		     const struct visit *v)
{
	int nw = l->hi_word - l->lo_word + 1;
	bool spread = l->group->weight > SCHED_SPREAD_MIN_CPUS;
	int start = spread ? (int)__atomic_load_n(&l->rotor, __ATOMIC_RELAXED) :
			     l->group->first_cpu;
	int sw = start / 64 - l->lo_word;

	if (sw < 0 || sw >= nw) { /* past the LLC's last word */
		start = l->group->first_cpu;
		sw = 0;
	}
	/* nw + 1 steps: the start word's low bits come last. */
	for (int i = 0; i <= nw; i++) {
		int w = l->lo_word + (sw + i) % nw;
		uint64_t bits = visit_word(l, k, w) & v->allowed->bits[w] &
				__atomic_load_n(&sched_online_mask.bits[w],
						__ATOMIC_RELAXED);

		if (i == 0 && start % 64)
			bits &= ~0ull << (start % 64);
		else if (i == nw)
			bits &= start % 64 ? ~(~0ull << (start % 64)) : 0;
		while (bits) {
			int cpu = w * 64 + __builtin_ctzll(bits);

			bits &= bits - 1;
			if (v->fn && !v->fn(cpu, v->arg))
				continue;
			if (spread)
				__atomic_store_n(&l->rotor, (unsigned)cpu + 1,
						 __ATOMIC_RELAXED);
			return cpu;
		}
	}
	return -1;
}

static int node_of(const struct sched_topo *tp, int cpu)
{
	return tp->node[cpu];
}

/* Every LLC under g except the subtree `skip` (already searched), children
 * nearest to `base` first (by node distance, then list order), pruning
 * groups with no idle CPU. */
static int visit_group(struct sched_topo *tp, const struct sched_group *g,
		       const struct sched_group *skip, int base,
		       enum visit_kind k, const struct visit *v)
{
	int gi = grp_index(tp, g), bn = node_of(tp, base), last = -1;

	if (g == skip || !__atomic_load_n(&tp->grp_idle[gi], __ATOMIC_RELAXED))
		return -1;
	if (tp->grp_llc[gi] >= 0)
		return visit_llc(&tp->llc[tp->grp_llc[gi]], k, v);
	/* Children by increasing distance: one pass per distinct distance
	 * (nodes are few; inside a node every child is at distance 10). */
	for (;;) {
		int dmin = 256, cpu;

		for (const struct sched_group *c = g->children; c; c = c->next) {
			int d = tp->sd.distance[bn * tp->sd.nr_nodes +
						node_of(tp, c->first_cpu)];

			if (d > last && d < dmin)
				dmin = d;
		}
		if (dmin == 256)
			return -1;
		for (const struct sched_group *c = g->children; c; c = c->next)
			if (tp->sd.distance[bn * tp->sd.nr_nodes +
					    node_of(tp, c->first_cpu)] == dmin &&
			    (cpu = visit_group(tp, c, skip, base, k, v)) >= 0)
				return cpu;
		last = dmin;
	}
}

/* Idle SMT siblings of base (its core's span: siblings may be numbered
 * far apart, so every word from the core's first to its last). */
static int visit_siblings(struct sched_topo *tp, int base,
			  const struct visit *v)
{
	const struct sched_group *core = tp->sd.cpu[base].at_level[SD_SMT];
	const struct sched_llc *l = &tp->llc[tp->cpu_llc[base]];

	int last = tp->grp_last_word[grp_index(tp, core)];

	for (int w = core->first_cpu / 64; w <= last; w++) {
		uint64_t bits = core->span.bits[w] &
				__atomic_load_n(&l->idle_cpus.bits[w],
						__ATOMIC_RELAXED) &
				v->allowed->bits[w] &
				__atomic_load_n(&sched_online_mask.bits[w],
						__ATOMIC_RELAXED);

		while (bits) {
			int cpu = w * 64 + __builtin_ctzll(bits);

			bits &= bits - 1;
			if (!v->fn || v->fn(cpu, v->arg))
				return cpu;
		}
	}
	return -1;
}

/* The children of g (the machine) in node `home`, minus `skip`: the home
 * node's part of g. O(children of g: nodes x packages). */
static int visit_home(struct sched_topo *tp, const struct sched_group *g,
		      const struct sched_group *skip, int base, int home,
		      enum visit_kind k, const struct visit *v)
{
	int cpu;

	for (const struct sched_group *c = g->children; c; c = c->next)
		if (node_of(tp, c->first_cpu) == home &&
		    (cpu = visit_group(tp, c, skip, base, k, v)) >= 0)
			return cpu;
	return -1;
}

/* sched_idle_visit with a home node: once the search leaves base's LLC,
 * the home node's CPUs come before the rest of base's node and the other
 * nodes (home < 0, or base's own node: the plain nearest-first order). */
static int idle_visit(struct sched_topo *tp, int base, int home,
		      const struct cpumask *allowed, bool running_idle,
		      sched_idle_fn fn, void *arg)
{
	struct visit v = { allowed, fn, arg };
	const struct sched_group *from = NULL;
	bool home_done = false;

	if (home >= tp->sd.nr_nodes || home == node_of(tp, base))
		home = -1;
	/* Up from base's LLC: at each level, in the groups not yet searched,
	 * idle cores first (when there are SMT siblings to tell them from
	 * idle CPUs), then idle CPUs. Groups with no CPU running its idle
	 * thread are skipped by their count. */
	for (const struct sched_group *g = tp->sd.cpu[base].at_level[SD_LLC];
	     g; from = g, g = g->parent) {
		int cpu;

		if (running_idle) {
			if ((cpu = visit_group(tp, g, from, base, VISIT_CURR,
					       &v)) >= 0)
				return cpu;
			continue;
		}
		/* Past base's LLC: the home node before the rest of base's
		 * node and the other nodes. Idle cores, then idle CPUs, of
		 * home (base's LLC, in another node, is not in it). */
		if (home >= 0 && from && !home_done) {
			home_done = true;
			if ((tp->has_smt &&
			     (cpu = visit_home(tp, tp->sd.machine, NULL, base,
					       home, VISIT_CORE, &v)) >= 0) ||
			    (cpu = visit_home(tp, tp->sd.machine, NULL, base,
					      home, VISIT_IDLE, &v)) >= 0)
				return cpu;
		}
		if (tp->has_smt && (cpu = visit_group(tp, g, from, base,
						      VISIT_CORE, &v)) >= 0)
			return cpu;
		/* Then base's own SMT siblings: they share its L1 and L2. */
		if (tp->has_smt && !from && (cpu = visit_siblings(tp, base,
								  &v)) >= 0)
			return cpu;
		if ((cpu = visit_group(tp, g, from, base, VISIT_IDLE, &v)) >= 0)
			return cpu;
	}
	return -1;
}

int sched_idle_visit(struct sched_topo *tp, int base,
		     const struct cpumask *allowed, bool running_idle,
		     sched_idle_fn fn, void *arg)
{
	return idle_visit(tp, base, -1, allowed, running_idle, fn, arg);
}

int sched_select_idle(const struct thread *t, int prev_cpu)
{
	struct sched_topo *tp = sched_topo();
	int cpu;

	if (!tp)
		return -1;
	if (prev_cpu >= 0 && thread_can_run_on(t, prev_cpu) &&
	    sched_topo_cpu_idle(tp, prev_cpu))
		return prev_cpu;
	/* Nearest prev first (its caches), but across nodes the thread's
	 * home node (its memory) before the others. */
	cpu = idle_visit(tp, prev_cpu >= 0 ? prev_cpu : arch_this_cpu(),
			 thread_home_node(t), &t->allowed, false, NULL, NULL);
	return cpu >= 0 && thread_can_run_on(t, cpu) ? cpu : -1;
}

int sched_topo_node_of(int cpu)
{
	const struct sched_topo *tp = sched_topo();

	return tp && cpu >= 0 && cpu < tp->nr_cpus ? tp->node[cpu] : -1;
}

bool sched_topo_node_mask(int node, const struct cpumask *and,
			  struct cpumask *out)
{
	const struct sched_topo *tp = sched_topo();
	bool any = false;

	if (!tp || tp->sd.nr_nodes < 2 || node < 0 || node >= tp->sd.nr_nodes)
		return false;
	/* The machine's children each lie in one node (the node is the
	 * outermost prefix of a span, sched/domain.c). */
	cpumask_clear(out);
	for (const struct sched_group *c = tp->sd.machine->children; c;
	     c = c->next) {
		if (node_of(tp, c->first_cpu) != node)
			continue;
		for (int w = 0; w < CPUMASK_WORDS; w++)
			out->bits[w] |= c->span.bits[w] & and->bits[w];
		any = true;
	}
	return any;
}

/* ---- Checker ------------------------------------------------------------------ */

int sched_topo_check(void)
{
	struct sched_topo *tp = __atomic_load_n(&topo_track, __ATOMIC_ACQUIRE);
	int ng;

	if (!tp)
		return 0;
	ng = tp->sd.nr_groups;
	memset(tp->check_scratch, 0, (size_t)ng * sizeof(int));
	for (int cpu = 0; cpu < tp->nr_cpus; cpu++) {
		struct rq *rq = cpu_rq(cpu);
		const struct sched_llc *l = &tp->llc[tp->cpu_llc[cpu]];
		uint8_t want, have;

		if (!rq->online)
			continue;
		want = rq_idle_state(rq);
		have = (cpumask_test(&l->idle_cpus, cpu) ? SCHED_CPU_IDLE : 0) |
		       (cpumask_test(&l->idle_curr, cpu) ? SCHED_CPU_IDLE_CURR :
							  0);
		if (tp->cpu_state[cpu] != want || have != want) {
			sched_log("sched: cpu%d: idle masks say %d, tracked %d, "
				  "run queue %d (snap_rank %d, nr_queued %u)",
				  cpu, have, tp->cpu_state[cpu], want,
				  rq->snap_rank, rq->nr_queued);
			return -80;
		}
		if (want & SCHED_CPU_IDLE_CURR)
			for (const struct sched_group *g = tp->sd.cpu[cpu].self;
			     g; g = g->parent)
				tp->check_scratch[grp_index(tp, g)]++;
	}
	for (int i = 0; i < ng; i++) {
		const struct sched_group *g = &tp->sd.groups[i];

		if (tp->grp_idle[i] != tp->check_scratch[i]) {
			sched_log("sched: group of cpu%d (%s, %d CPUs): %d "
				  "idle counted, %d idle", g->first_cpu,
				  sched_domain_level_name(g->level), g->weight,
				  tp->grp_idle[i], tp->check_scratch[i]);
			return -81;
		}
		if (tp->sd.cpu[g->first_cpu].at_level[SD_SMT] == g) {
			const struct sched_llc *l =
				&tp->llc[tp->cpu_llc[g->first_cpu]];
			bool bit = cpumask_test(&l->idle_cores, g->first_cpu);

			if (bit != (tp->check_scratch[i] == g->weight)) {
				sched_log("sched: core of cpu%d: idle-core bit "
					  "%d, %d of %d siblings idle",
					  g->first_cpu, bit,
					  tp->check_scratch[i], g->weight);
				return -82;
			}
		}
	}
	/* No stray bits: a mask holds only its LLC's CPUs. */
	for (int i = 0; i < tp->nr_llc; i++) {
		const struct sched_llc *l = &tp->llc[i];

		for (int w = 0; w < CPUMASK_WORDS; w++)
			if ((l->idle_cpus.bits[w] | l->idle_curr.bits[w] |
			     l->idle_cores.bits[w]) &
			    ~l->group->span.bits[w]) {
				sched_log("sched: LLC of cpu%d: idle bits outside "
					  "its span", l->group->first_cpu);
				return -83;
			}
	}
	return 0;
}
