// SPDX-License-Identifier: MIT
/*
 * The domain builder (contract in domain.h, design in docs/many-cores.md
 * section 3). Pure: reads struct cpu_topo, writes the caller's memory,
 * keeps no state, takes no lock. Runs once at init, so it favours being
 * obviously right over being fast: O(levels x CPUs^2) id comparisons
 * (4 M at 1024 CPUs), no scratch memory beyond the result.
 *
 * How: every level's span of a CPU is "the CPUs whose ids agree with it
 * on a prefix of (node, package, llc, core)"; prefixes nest, so spans nest
 * whatever the ids say. Each distinct span becomes one shared group (a
 * span equal to the one below it reuses that group); the groups form a
 * tree whose leaves are the CPUs, and a CPU's chain is the distinct spans
 * on its path from its leaf to the root.
 *
 * Read next: tests/unit/sched/domain-test.c.
 */
#include "sched/domain.h"

#include "kernel/lib/string.h"
#include "sched/arch.h"
#include "sched/sched.h" /* EINVAL */

#ifndef ENOMEM
#define ENOMEM 12
#endif

static const struct {
	const char *name;
	uint64_t interval_ns;
	bool newidle;
} levels[SD_NR_LEVELS] = {
	[SD_SMT] = { "smt", 4 * NSEC_PER_MSEC, true },
	[SD_LLC] = { "llc", 8 * NSEC_PER_MSEC, true },
	/* The node level pulls on new-idle only when the node has waiters
	 * and no local source; the balancer decides that, not the flag. */
	[SD_NODE] = { "node", 32 * NSEC_PER_MSEC, true },
	[SD_MACHINE] = { "machine", 128 * NSEC_PER_MSEC, false },
};

uint64_t sched_domain_interval_ns(enum sched_domain_level level)
{
	return level >= 0 && level < SD_NR_LEVELS ? levels[level].interval_ns :
						     0;
}

const char *sched_domain_level_name(int level)
{
	return level >= 0 && level < SD_NR_LEVELS ? levels[level].name : "cpu";
}

/* Do a and b share their level-`level` span? Prefixes of
 * (node, package, llc, core): the machine needs none. */
static bool same_span(const struct cpu_topo *a, const struct cpu_topo *b,
		      int level)
{
	switch (level) {
	case SD_SMT:
		if (a->core != b->core)
			return false;
		/* fall through */
	case SD_LLC:
		if (a->llc != b->llc)
			return false;
		/* fall through */
	case SD_NODE:
		return a->node == b->node && a->package == b->package;
	default:
		return true;
	}
}

static int span_weight(const struct cpu_topo *topo, int n, int cpu, int level)
{
	int w = 0;

	if (level == SD_CPU)
		return 1;
	for (int d = 0; d < n; d++)
		w += same_span(&topo[d], &topo[cpu], level);
	return w;
}

/* The lowest CPU sharing cpu's span at level. */
static int span_first(const struct cpu_topo *topo, int cpu, int level)
{
	for (int d = 0; d < cpu; d++)
		if (same_span(&topo[d], &topo[cpu], level))
			return d;
	return cpu;
}

/* Is cpu the lowest CPU of a level span that differs from the span one
 * level down (so the span needs a group of its own)? */
static bool new_group(const struct cpu_topo *topo, int n, int cpu, int level)
{
	return span_first(topo, cpu, level) == cpu &&
	       span_weight(topo, n, cpu, level) !=
		       span_weight(topo, n, cpu, level - 1);
}

static bool topo_valid(const struct cpu_topo *topo, int n, int nr_nodes)
{
	if (!topo || n < 1 || n > CPUMASK_BITS || nr_nodes < 1 ||
	    nr_nodes > 255)
		return false;
	for (int c = 0; c < n; c++)
		if (topo[c].core < 0 || topo[c].llc < 0 || topo[c].package < 0 ||
		    topo[c].node < 0 || topo[c].node >= nr_nodes)
			return false;
	return true;
}

static int count_groups(const struct cpu_topo *topo, int n)
{
	int g = n; /* one per CPU */

	for (int level = 0; level < SD_NR_LEVELS; level++)
		for (int c = 0; c < n; c++)
			g += new_group(topo, n, c, level);
	return g;
}

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

size_t sched_domains_size(const struct cpu_topo *topo, int nr_cpus,
			  int nr_nodes)
{
	if (!topo_valid(topo, nr_cpus, nr_nodes))
		return 0;
	return ALIGN8(sizeof(struct sched_cpu_domains) * (size_t)nr_cpus) +
	       ALIGN8(sizeof(struct sched_group) *
		      (size_t)count_groups(topo, nr_cpus)) +
	       ALIGN8((size_t)nr_nodes * (size_t)nr_nodes);
}

/* Link child under parent, keeping siblings ordered by first CPU. */
static void link_child(struct sched_group *parent, struct sched_group *child)
{
	struct sched_group **pp = &parent->children;

	if (child->parent)
		return; /* linked through another CPU of its span */
	while (*pp && (*pp)->first_cpu < child->first_cpu)
		pp = &(*pp)->next;
	child->next = *pp;
	*pp = child;
	child->parent = parent;
	parent->nr_children++;
}

static bool distances_valid(const uint8_t *d, int nn)
{
	if (!d)
		return false;
	for (int i = 0; i < nn; i++)
		for (int j = 0; j < nn; j++)
			if (i == j ? d[i * nn + j] != 10 : d[i * nn + j] <= 10)
				return false;
	return true;
}

int sched_domains_build(struct sched_domains *sd, const struct cpu_topo *topo,
			int n, const uint8_t *distance, int nr_nodes,
			void *mem, size_t size)
{
	size_t need = sched_domains_size(topo, n, nr_nodes);
	char *p = mem;
	struct sched_domains r;
	int ng = 0, rc = 0;

	if (!need || !mem || size < need || ((uintptr_t)mem & 7))
		return -EINVAL;
	memset(mem, 0, need);
	r.nr_cpus = n;
	r.nr_nodes = nr_nodes;
	r.cpu = (struct sched_cpu_domains *)p;
	p += ALIGN8(sizeof(struct sched_cpu_domains) * (size_t)n);
	r.groups = (struct sched_group *)p;
	r.nr_groups = count_groups(topo, n);
	p += ALIGN8(sizeof(struct sched_group) * (size_t)r.nr_groups);
	r.distance = (uint8_t *)p;

	if (distances_valid(distance, nr_nodes)) {
		memcpy(r.distance, distance, (size_t)nr_nodes * nr_nodes);
	} else {
		for (int i = 0; i < nr_nodes; i++)
			for (int j = 0; j < nr_nodes; j++)
				r.distance[i * nr_nodes + j] = i == j ? 10 : 20;
		rc = nr_nodes > 1 || distance ? 1 : 0;
	}

	/* Leaves: one group per CPU. */
	for (int c = 0; c < n; c++) {
		struct sched_group *g = &r.groups[ng++];

		cpumask_set(&g->span, c);
		g->weight = 1;
		g->first_cpu = c;
		g->level = SD_CPU;
		r.cpu[c].self = g;
	}
	/* Level by level, a group per new span; CPUs in a span (or whose
	 * span equals the one below) share the group. */
	for (int level = 0; level < SD_NR_LEVELS; level++) {
		for (int c = 0; c < n; c++) {
			const struct sched_group *below =
				level ? r.cpu[c].at_level[level - 1] :
					r.cpu[c].self;
			int first = span_first(topo, c, level);
			struct sched_group *g;

			if (first < c) {
				r.cpu[c].at_level[level] =
					r.cpu[first].at_level[level];
				continue;
			}
			if (!new_group(topo, n, c, level)) {
				r.cpu[c].at_level[level] = below;
				continue;
			}
			g = &r.groups[ng++];
			g->first_cpu = c;
			g->level = level;
			for (int d = c; d < n; d++)
				if (same_span(&topo[d], &topo[c], level)) {
					cpumask_set(&g->span, d);
					g->weight++;
				}
			r.cpu[c].at_level[level] = g;
		}
	}
	/* ng == r.nr_groups: both counted with new_group(). */
	r.machine = r.cpu[0].at_level[SD_MACHINE];

	/* The tree (each group under the smallest larger span) and each
	 * CPU's chain: the distinct spans on its way up. */
	for (int c = 0; c < n; c++) {
		struct sched_cpu_domains *cd = &r.cpu[c];
		struct sched_group *below = (struct sched_group *)cd->self;

		for (int level = 0; level < SD_NR_LEVELS; level++) {
			struct sched_group *g =
				(struct sched_group *)cd->at_level[level];
			struct sched_domain *d;

			if (g == below)
				continue;
			link_child(g, below);
			d = &cd->dom[cd->nr++];
			d->level = level;
			d->span = g;
			d->interval_ns = levels[level].interval_ns;
			d->newidle = levels[level].newidle;
			if (cd->nr > 1) {
				d->child = d - 1;
				d->child->parent = d;
			}
			below = g;
		}
	}
	/* Groups are final only now that every CPU has linked its path. */
	for (int c = 0; c < n; c++)
		for (int i = 0; i < r.cpu[c].nr; i++) {
			struct sched_domain *d = &r.cpu[c].dom[i];

			d->groups = d->span->children;
			d->nr_groups = d->span->nr_children;
		}
	*sd = r;
	return rc;
}

int sched_domains_create(struct sched_domains *sd, const struct cpu_topo *topo,
			 int nr_cpus, const uint8_t *distance, int nr_nodes)
{
	size_t size = sched_domains_size(topo, nr_cpus, nr_nodes);
	void *mem;
	int rc;

	if (!size)
		return -EINVAL;
	mem = arch_alloc(size);
	if (!mem)
		return -ENOMEM;
	rc = sched_domains_build(sd, topo, nr_cpus, distance, nr_nodes, mem,
				 size);
	if (rc < 0)
		arch_free(mem);
	return rc;
}

void sched_domains_destroy(struct sched_domains *sd)
{
	/* The per-CPU array is the start of the block. */
	arch_free(sd->cpu);
	sd->cpu = NULL;
	sd->groups = NULL;
	sd->machine = NULL;
	sd->distance = NULL;
}

int sched_domains_common_level(const struct sched_domains *sd, int a, int b)
{
	if (a == b)
		return SD_CPU;
	for (int level = 0; level < SD_NR_LEVELS; level++)
		if (cpumask_test(&sd->cpu[a].at_level[level]->span, b))
			return level;
	return SD_MACHINE;
}
