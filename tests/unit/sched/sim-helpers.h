/* SPDX-License-Identifier: MIT */
/*
 * Helpers the scheduler tests share: build a simulator spec in code, run it,
 * and read results. Header-only (static functions) so each test binary still
 * lists exactly its sources in the Makefile.
 *
 * Read next: fair-test.c (the simplest user).
 */
#ifndef COHORT_TESTS_SCHED_SIM_HELPERS_H
#define COHORT_TESTS_SCHED_SIM_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched/sched_internal.h"
#include "tools/schedsim/sim.h"

#define MS NSEC_PER_MSEC
#define US NSEC_PER_USEC

static struct sim_spec test_spec;

/* A whole file as a NUL-terminated string (scenario files, goldens). */
static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	assert_non_null(f);
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n);
	buf[len] = 0;
	fclose(f);
	return buf;
}

static inline struct sim_spec *spec_new(int ncpus, uint64_t duration_ns,
					uint64_t tick_ns)
{
	memset(&test_spec, 0, sizeof(test_spec));
	test_spec.ncpus = ncpus;
	test_spec.duration_ns = duration_ns;
	test_spec.tick_ns = tick_ns;
	return &test_spec;
}

static inline struct sim_thread_spec *spec_thread(struct sim_spec *sp,
						  const char *name,
						  enum sched_policy policy)
{
	struct sim_thread_spec *t = &sp->threads[sp->nthreads++];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->attr.policy = policy;
	return t;
}

static inline void spec_action(struct sim_thread_spec *t,
			       enum sim_action_kind kind, uint64_t dur_ns)
{
	t->actions[t->nactions].kind = kind;
	t->actions[t->nactions++].dur_ns = dur_ns;
}

static inline void spec_pin(struct sim_thread_spec *t, int first, int last)
{
	cpumask_clear(&t->mask);
	for (int c = first; c <= last; c++)
		cpumask_set(&t->mask, c);
	t->has_mask = true;
}

static inline void spec_set(struct sim_spec *sp, const char *name,
			    uint64_t value)
{
	snprintf(sp->set_names[sp->nsets], sizeof(sp->set_names[0]), "%s",
		 name);
	sp->set_values[sp->nsets++] = value;
}

static inline struct sim *sim_new(void)
{
	struct sim *s = sim_create(&test_spec);

	assert_non_null(s);
	s->quiet = true;
	return s;
}

static inline struct sim_thread *T(struct sim *s, const char *name)
{
	struct sim_thread *t = sim_thread_by_name(s, name);

	assert_non_null(t);
	return t;
}

static inline uint64_t thread_switches(const struct sim_thread *t)
{
	return t->t.stats.voluntary_switches + t->t.stats.involuntary_switches;
}

/* Tiny deterministic PRNG (xorshift64*), so runs never depend on libc. */
static inline uint64_t test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

#endif
