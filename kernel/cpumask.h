/* SPDX-License-Identifier: MIT */
/*
 * Sets of logical CPU ids (0 .. MAX_CPUS-1). Plain bitmaps: the caller
 * decides how a mask is shared. cpu_online_mask (kernel/cpu.c) is the one
 * source of truth for which CPUs take work; it is updated with atomic
 * bit operations and read with cpu_online().
 */
#ifndef COHORT_CPUMASK_H
#define COHORT_CPUMASK_H

#include <stdbool.h>
#include <stdint.h>

#define CPUMASK_BITS 256
#define CPUMASK_WORDS (CPUMASK_BITS / 64)

struct cpumask {
	uint64_t bits[CPUMASK_WORDS];
};

static inline void cpumask_clear(struct cpumask *m)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		m->bits[i] = 0;
}

static inline void cpumask_set(struct cpumask *m, int cpu)
{
	m->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

static inline void cpumask_unset(struct cpumask *m, int cpu)
{
	m->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
}

/* Bits outside 0 .. CPUMASK_BITS-1 read as clear. */
static inline bool cpumask_test(const struct cpumask *m, int cpu)
{
	return cpu >= 0 && cpu < CPUMASK_BITS &&
	       ((m->bits[cpu / 64] >> (cpu % 64)) & 1);
}

/* Exactly CPUs 0 .. ncpus-1. */
static inline void cpumask_fill(struct cpumask *m, int ncpus)
{
	cpumask_clear(m);
	for (int i = 0; i < ncpus && i < CPUMASK_BITS; i++)
		cpumask_set(m, i);
}

static inline bool cpumask_intersects(const struct cpumask *a,
				      const struct cpumask *b)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

static inline bool cpumask_empty(const struct cpumask *m)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		if (m->bits[i])
			return false;
	return true;
}

/* Set bits in a word. Written out because the kernel links no libgcc,
 * where gcc's __builtin_popcountll lands without -mpopcnt. */
static inline int popcount64(uint64_t w)
{
	int n = 0;
	for (; w; w &= w - 1)
		n++;
	return n;
}

static inline int cpumask_count(const struct cpumask *m)
{
	int n = 0;
	for (int i = 0; i < CPUMASK_WORDS; i++)
		n += popcount64(m->bits[i]);
	return n;
}

/* Next set bit at or after `cpu`, or CPUMASK_BITS. */
static inline int cpumask_next(const struct cpumask *m, int cpu)
{
	for (; cpu < CPUMASK_BITS; cpu++)
		if (cpumask_test(m, cpu))
			return cpu;
	return CPUMASK_BITS;
}

#define for_each_cpu(cpu, m)                                   \
	for (int cpu = cpumask_next((m), 0); cpu < CPUMASK_BITS; \
	     cpu = cpumask_next((m), cpu + 1))

#endif
