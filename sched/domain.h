/* SPDX-License-Identifier: MIT */
/*
 * Scheduling domains: from a per-CPU topology description, each CPU's chain
 * of nested CPU sets (SMT core, last-level cache, node, machine) that
 * balancing climbs, and the groups (child spans) each one is split into.
 * docs/many-cores.md section 3 is the design; docs/scheduler.md "Domains"
 * the reference.
 *
 * Pure and arch-free: built once at init from struct cpu_topo (filled by
 * the kernel from CPUID and SRAT, by schedsim from its scenario), into
 * memory the caller provides or arch_alloc() gives, never changed after
 * (CPUs never go offline). Nothing here takes a lock: after the build the
 * structures are read-only and any CPU may read any of them.
 *
 * Guarantees (checked by tests/unit/sched/domain-test.c):
 * - The spans of one CPU's chain strictly grow, and the last one is every
 *   CPU of the machine (a one-CPU machine has no domains).
 * - A level whose span equals the one below it is dropped for that CPU (a
 *   laptop has SMT and LLC only; a core with one thread has no SMT level).
 * - A domain's groups partition its span (disjoint, union = span), are
 *   linked in order of their first CPU, and there are at least two.
 * - Spans nest even for inconsistent input: the LLC span is "same node,
 *   package and LLC id", the SMT span adds the core id, so an LLC id that
 *   crosses packages is split at the package (see struct cpu_topo).
 * - Memory: one struct sched_group per distinct span (shared by every CPU
 *   inside it, so no CPU keeps a copy of a mask) and per CPU one fixed
 *   struct of SD_NR_LEVELS domains: O(CPUs x levels).
 */
#ifndef COHORT_SCHED_DOMAIN_H
#define COHORT_SCHED_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cpumask.h"

/*
 * One CPU's place in the machine: struct cpu_topo from kernel/topology.h
 * (a pure header: the kernel fills it from CPUID and SRAT, schedsim from
 * its scenario). The builder reads package, llc, core and node only (no
 * die level), compares them for equality (holes allowed, no order needed)
 * and treats them as meaningful across the whole machine: two CPUs share
 * a core iff node, package, llc and core are all equal; an LLC iff node,
 * package and llc are equal; a node domain iff node and package are equal
 * (so with no SRAT, node 0 everywhere, the level is the package; with a
 * package split into nodes it is the node). `node` also indexes the
 * distance matrix.
 */
#include "kernel/topology.h"

enum sched_domain_level {
	SD_SMT,
	SD_LLC,
	SD_NODE,
	SD_MACHINE,
	SD_NR_LEVELS,
	SD_CPU = -1,	/* the level of a one-CPU group */
};

/*
 * A set of CPUs that is the span of some domain, or one CPU (the groups of
 * the lowest domains). Shared: one struct per distinct set, whatever the
 * number of CPUs and levels that use it.
 */
struct sched_group {
	struct cpumask span;
	int weight;			/* CPUs in span */
	int first_cpu;			/* lowest id in span */
	int level;			/* lowest level with this span, SD_CPU */
	int nr_children;
	struct sched_group *parent;	/* smallest strictly larger span */
	struct sched_group *children;	/* first child, NULL for one CPU */
	struct sched_group *next;	/* next sibling, by first_cpu */
};

/* One level of one CPU's chain. */
struct sched_domain {
	enum sched_domain_level level;
	const struct sched_group *span;	  /* shared */
	const struct sched_group *groups; /* span->children: >= 2 of them */
	int nr_groups;
	uint64_t interval_ns;	/* periodic balance pass at this level */
	bool newidle;		/* a CPU going idle pulls from this level */
	struct sched_domain *parent;	/* NULL at the top (the machine) */
	struct sched_domain *child;	/* NULL at the bottom */
};

struct sched_cpu_domains {
	int nr;			/* domains in dom[], 0 on a one-CPU machine */
	struct sched_domain dom[SD_NR_LEVELS]; /* dom[0] lowest */
	/* The span at every level before dropping (NULL never): which LLC,
	 * node... a CPU is in, and the single-CPU group. */
	const struct sched_group *at_level[SD_NR_LEVELS];
	const struct sched_group *self;
};

struct sched_domains {
	int nr_cpus;
	int nr_groups;
	int nr_nodes;
	struct sched_cpu_domains *cpu;	/* [nr_cpus] */
	struct sched_group *groups;	/* [nr_groups]: CPUs first, by id */
	const struct sched_group *machine; /* every CPU */
	uint8_t *distance;		/* [nr_nodes * nr_nodes] */
};

/* Balance interval of a level (docs/many-cores.md table). */
uint64_t sched_domain_interval_ns(enum sched_domain_level level);
/* "smt", "llc", "node", "machine", "cpu". */
const char *sched_domain_level_name(int level);

/*
 * Bytes sched_domains_build needs for these CPUs (0 if topo is invalid:
 * nr_cpus outside 1..CPUMASK_BITS, a negative id, a node >= nr_nodes).
 * O(levels x nr_cpus^2) comparisons, no memory.
 */
size_t sched_domains_size(const struct cpu_topo *topo, int nr_cpus,
			  int nr_nodes);

/*
 * Build the domains of CPUs 0 .. nr_cpus-1 into mem (size bytes, 8-byte
 * aligned, from sched_domains_size) and fill *sd, which then points into
 * mem. distance: nr_nodes x nr_nodes SLIT-style distances (10 local),
 * copied; NULL, or a matrix whose diagonal is not 10 or whose other
 * entries are not > 10 (a bad SLIT), gives 10 local / 20 remote and the
 * return value 1 so the caller can log its fallback line. Returns 0,
 * 1 (distances replaced), or -EINVAL (bad topology or too little memory:
 * *sd untouched, the caller falls back to one flat domain).
 */
int sched_domains_build(struct sched_domains *sd, const struct cpu_topo *topo,
			int nr_cpus, const uint8_t *distance, int nr_nodes,
			void *mem, size_t size);

/*
 * sched_domains_size + arch_alloc + sched_domains_build, for init code
 * (arch_alloc's rule: no lock held, interrupts on). Same returns, plus
 * -ENOMEM; on an error nothing stays allocated and *sd is untouched.
 * sched_domains_destroy gives the memory back (for tests and the
 * simulator: the kernel builds once and keeps them).
 */
int sched_domains_create(struct sched_domains *sd, const struct cpu_topo *topo,
			 int nr_cpus, const uint8_t *distance, int nr_nodes);
void sched_domains_destroy(struct sched_domains *sd);

/* The lowest domain of cpu (NULL on a one-CPU machine). */
static inline const struct sched_domain *
sched_domain_base(const struct sched_domains *sd, int cpu)
{
	return sd->cpu[cpu].nr ? &sd->cpu[cpu].dom[0] : NULL;
}

/* The highest level at which a and b are in different groups below it,
 * i.e. the level of the smallest span holding both: SD_CPU if a == b,
 * SD_SMT if they share a core, ... SD_MACHINE. Uses the undropped spans,
 * so it answers "same core / same LLC / same node / cross-node". */
int sched_domains_common_level(const struct sched_domains *sd, int a, int b);

#endif
