// SPDX-License-Identifier: MIT
/*
 * kernel/cpumask.h: set, unset, test, count, next and for_each_cpu over all
 * 1024 ids (each bit alone, word edges, the last id), set and unset being
 * idempotent and touching only their own bit; popcount64 against
 * __builtin_popcountll on edge and random words (fixed seed); and a
 * randomized run against a plain bool array.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/cpumask.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL; /* fixed seed */

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A mask full of garbage, so clear() has something to do. */
static void dirty(struct cpumask *m)
{
	memset(m, 0xa5, sizeof(*m));
}

/* Compare every observable of the mask with a bool array. */
static void expect_matches(const struct cpumask *m, const bool *ref)
{
	int n = 0;
	for (int cpu = 0; cpu < CPUMASK_BITS; cpu++) {
		if (cpumask_test(m, cpu) != ref[cpu])
			fprintf(stderr, "cpu %d: test %d, want %d\n", cpu,
				cpumask_test(m, cpu), ref[cpu]);
		assert_int_equal(cpumask_test(m, cpu), ref[cpu]);
		n += ref[cpu];
	}
	assert_int_equal(cpumask_count(m), n);

	/* next() from every starting point. */
	for (int from = 0; from <= CPUMASK_BITS; from++) {
		int want = from;
		while (want < CPUMASK_BITS && !ref[want])
			want++;
		assert_int_equal(cpumask_next(m, from), want);
	}

	/* for_each_cpu visits exactly the set ids, in ascending order. */
	int prev = -1, seen = 0;
	for_each_cpu(cpu, m) {
		assert_true(cpu > prev);
		assert_in_range(cpu, 0, CPUMASK_BITS - 1);
		assert_true(ref[cpu]);
		prev = cpu;
		seen++;
	}
	assert_int_equal(seen, n);
}

/* ---- Layout and clear ---- */

static void test_mask_has_1024_bits(void **state)
{
	(void)state;
	assert_int_equal(MAX_CPUS, 1024); /* the one CPU limit */
	assert_int_equal(CPUMASK_BITS, MAX_CPUS);
	assert_int_equal(CPUMASK_WORDS, 16);
	assert_int_equal(sizeof(struct cpumask), 128);
}

static void test_clear_empties_a_dirty_mask(void **state)
{
	(void)state;
	struct cpumask m;
	bool ref[CPUMASK_BITS] = { false };
	dirty(&m);
	cpumask_clear(&m);
	for (int i = 0; i < CPUMASK_WORDS; i++)
		assert_int_equal(m.bits[i], 0);
	expect_matches(&m, ref);
	assert_int_equal(cpumask_next(&m, 0), CPUMASK_BITS);
}

/* ---- Single bits ---- */

static void test_each_bit_alone(void **state)
{
	(void)state;
	for (int cpu = 0; cpu < CPUMASK_BITS; cpu++) {
		struct cpumask m;
		dirty(&m);
		cpumask_clear(&m);
		cpumask_set(&m, cpu);
		/* The bit lands in the right word at the right place. */
		for (int w = 0; w < CPUMASK_WORDS; w++)
			assert_int_equal(m.bits[w],
					 w == cpu / 64 ? 1ULL << (cpu % 64) : 0);
		assert_true(cpumask_test(&m, cpu));
		assert_int_equal(cpumask_count(&m), 1);
		assert_int_equal(cpumask_next(&m, 0), cpu);
		assert_int_equal(cpumask_next(&m, cpu), cpu);
		assert_int_equal(cpumask_next(&m, cpu + 1), CPUMASK_BITS);
		int seen = 0;
		for_each_cpu(c, &m) {
			assert_int_equal(c, cpu);
			seen++;
		}
		assert_int_equal(seen, 1);
		cpumask_unset(&m, cpu);
		assert_false(cpumask_test(&m, cpu));
		assert_int_equal(cpumask_count(&m), 0);
		assert_int_equal(cpumask_next(&m, 0), CPUMASK_BITS);
	}
}

static void test_set_and_unset_touch_only_their_bit(void **state)
{
	(void)state;
	struct cpumask m;
	bool ref[CPUMASK_BITS];
	for (int cpu = 0; cpu < CPUMASK_BITS; cpu++) {
		/* All set, then one unset. */
		cpumask_clear(&m);
		for (int i = 0; i < CPUMASK_BITS; i++) {
			cpumask_set(&m, i);
			ref[i] = true;
		}
		cpumask_unset(&m, cpu);
		ref[cpu] = false;
		assert_int_equal(cpumask_count(&m), CPUMASK_BITS - 1);
		for (int i = 0; i < CPUMASK_BITS; i++)
			assert_int_equal(cpumask_test(&m, i), i != cpu);
		assert_int_equal(cpumask_next(&m, cpu),
				 cpu + 1 < CPUMASK_BITS ? cpu + 1 : CPUMASK_BITS);
	}
	expect_matches(&m, ref);
}

static void test_set_and_unset_are_idempotent(void **state)
{
	(void)state;
	struct cpumask m;
	cpumask_clear(&m);
	cpumask_set(&m, 63);
	cpumask_set(&m, 63);
	cpumask_set(&m, 64);
	assert_int_equal(cpumask_count(&m), 2);
	cpumask_unset(&m, 63);
	cpumask_unset(&m, 63);
	assert_int_equal(cpumask_count(&m), 1);
	assert_true(cpumask_test(&m, 64));
	cpumask_unset(&m, 200); /* was never set */
	assert_int_equal(cpumask_count(&m), 1);
}

/* ---- Whole masks ---- */

static void test_full_mask(void **state)
{
	(void)state;
	struct cpumask m;
	bool ref[CPUMASK_BITS];
	cpumask_clear(&m);
	for (int cpu = 0; cpu < CPUMASK_BITS; cpu++) {
		cpumask_set(&m, cpu);
		ref[cpu] = true;
		assert_int_equal(cpumask_count(&m), cpu + 1);
	}
	for (int w = 0; w < CPUMASK_WORDS; w++)
		assert_int_equal(m.bits[w], UINT64_MAX);
	expect_matches(&m, ref);
}

static void test_word_edges_and_last_cpu(void **state)
{
	(void)state;
	static const int ids[] = { 0, 63, 64, 127, 128, 191, 192, 1023 };
	struct cpumask m;
	bool ref[CPUMASK_BITS] = { false };
	cpumask_clear(&m);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		cpumask_set(&m, ids[i]);
		ref[ids[i]] = true;
	}
	expect_matches(&m, ref);
	assert_int_equal(cpumask_next(&m, 1), 63);
	assert_int_equal(cpumask_next(&m, 65), 127);
	assert_int_equal(cpumask_next(&m, 193), 1023);
	assert_int_equal(cpumask_next(&m, 1023), 1023);
	assert_int_equal(cpumask_next(&m, 1024), CPUMASK_BITS);

	int order[8], n = 0;
	for_each_cpu(cpu, &m)
		order[n++] = cpu;
	assert_int_equal(n, 8);
	assert_memory_equal(order, ids, sizeof(ids));
}

static void test_for_each_cpu_on_empty_mask_runs_nothing(void **state)
{
	(void)state;
	struct cpumask m;
	cpumask_clear(&m);
	for_each_cpu(cpu, &m)
		fail_msg("visited cpu %d of an empty mask", cpu);
}

static void test_random_masks_against_bool_array(void **state)
{
	(void)state;
	struct cpumask m;
	bool ref[CPUMASK_BITS] = { false };
	cpumask_clear(&m);
	for (int op = 0; op < 20000; op++) {
		int cpu = (int)(next_rand() % CPUMASK_BITS);
		if (next_rand() % 2) {
			cpumask_set(&m, cpu);
			ref[cpu] = true;
		} else {
			cpumask_unset(&m, cpu);
			ref[cpu] = false;
		}
		if (op % 97 == 0)
			expect_matches(&m, ref);
	}
	expect_matches(&m, ref);

	/* Whole random words, sparse to dense. */
	for (int round = 0; round < 200; round++) {
		for (int w = 0; w < CPUMASK_WORDS; w++) {
			uint64_t v = next_rand();
			if (round % 3 == 0)
				v &= next_rand() & next_rand(); /* sparse */
			else if (round % 3 == 1)
				v |= next_rand() | next_rand(); /* dense */
			m.bits[w] = v;
			for (int b = 0; b < 64; b++)
				ref[w * 64 + b] = (v >> b) & 1;
		}
		expect_matches(&m, ref);
	}
}

/* ---- popcount64 ---- */

static void test_popcount64_edges(void **state)
{
	(void)state;
	assert_int_equal(popcount64(0), 0);
	assert_int_equal(popcount64(1), 1);
	assert_int_equal(popcount64(1ULL << 63), 1);
	assert_int_equal(popcount64(UINT64_MAX), 64);
	assert_int_equal(popcount64(UINT64_MAX - 1), 63);
	assert_int_equal(popcount64(0x5555555555555555ULL), 32);
	assert_int_equal(popcount64(0xaaaaaaaaaaaaaaaaULL), 32);
	assert_int_equal(popcount64(0x8000000000000001ULL), 2);
	for (int b = 0; b < 64; b++) {
		assert_int_equal(popcount64(1ULL << b), 1);
		assert_int_equal(popcount64(~(1ULL << b)), 63);
		assert_int_equal(popcount64((1ULL << b) - 1), b);
	}
}

static void test_popcount64_matches_builtin_random(void **state)
{
	(void)state;
	for (int k = 0; k < 100000; k++) {
		uint64_t w = next_rand();
		if (k % 3 == 1)
			w &= next_rand();
		else if (k % 3 == 2)
			w |= next_rand();
		assert_int_equal(popcount64(w), __builtin_popcountll(w));
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_has_1024_bits),
		cmocka_unit_test(test_clear_empties_a_dirty_mask),
		cmocka_unit_test(test_each_bit_alone),
		cmocka_unit_test(test_set_and_unset_touch_only_their_bit),
		cmocka_unit_test(test_set_and_unset_are_idempotent),
		cmocka_unit_test(test_full_mask),
		cmocka_unit_test(test_word_edges_and_last_cpu),
		cmocka_unit_test(test_for_each_cpu_on_empty_mask_runs_nothing),
		cmocka_unit_test(test_random_masks_against_bool_array),
		cmocka_unit_test(test_popcount64_edges),
		cmocka_unit_test(test_popcount64_matches_builtin_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
