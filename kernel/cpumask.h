/* SPDX-License-Identifier: MIT */
/*
 * Sets of logical CPU ids (0 .. MAX_CPUS-1). Plain bitmaps: the caller
 * decides how a mask is shared. cpu_online_mask (kernel/cpu.c) is the one
 * source of truth for which CPUs take work; it is updated with atomic
 * bit operations and read with cpu_online().
 *
 * MAX_CPUS is the one CPU limit of the whole kernel, scheduler included
 * (sched/config.h's SCHED_MAX_CPUS is the same constant). It lives here,
 * in the arch-free header both sides include, and sizes only masks (128
 * bytes at 1024) and a few boot-time tables: per-CPU data is allocated
 * for the CPUs the firmware reports (cpu_possible_count, kernel/cpu.h).
 * Loops over CPUs on a hot path are bounded by that count or walk a mask,
 * never run to MAX_CPUS.
 */
#ifndef COHORT_CPUMASK_H
#define COHORT_CPUMASK_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS 1024
#define CPUMASK_BITS MAX_CPUS
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

/* Next set bit at or after `cpu`, or CPUMASK_BITS. A word at a time, so
 * walking a sparse 1024-bit mask costs 16 word reads, not 1024 tests.
 * (__builtin_ctzll is one bsf/tzcnt on x86-64: no libgcc call.) */
static inline int cpumask_next(const struct cpumask *m, int cpu)
{
	if (cpu < 0)
		cpu = 0;
	for (int w = cpu / 64; w < CPUMASK_WORDS; w++) {
		uint64_t bits = m->bits[w];

		if (w == cpu / 64)
			bits &= ~0ULL << (cpu % 64);
		if (bits)
			return w * 64 + __builtin_ctzll(bits);
	}
	return CPUMASK_BITS;
}

#define for_each_cpu(cpu, m)                                   \
	for (int cpu = cpumask_next((m), 0); cpu < CPUMASK_BITS; \
	     cpu = cpumask_next((m), cpu + 1))

#endif
