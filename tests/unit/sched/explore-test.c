// SPDX-License-Identifier: MIT
/*
 * The explorer (tools/schedsim/explore.h) in `make test`: EXPLORE_SEEDS
 * seeds (default below) of random programs and interleavings over the
 * real sched/, each with the whole-state checker after every step. A
 * failure prints the seed, the minimised program and the replay command.
 * Also checks the explorer's own parts: a program drawn from a seed is the
 * same every time, and the drop list parser round-trips.
 *
 * Read next: tools/schedsim/explore.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/schedsim/explore.h"

/* A few thousand seeds, well under a minute with sanitizers on 2 cores;
 * `make explore SEEDS=N` (schedsim --explore) runs more. */
#define DEFAULT_SEEDS 2000

static void test_same_seed_same_run(void **state)
{
	struct explore_opts o = { 0 };
	struct explore_result a, b;

	(void)state;
	assert_int_equal(explore_one(7, &o, NULL, &a), 0);
	assert_int_equal(explore_one(7, &o, NULL, &b), 0);
	assert_int_equal(a.steps, b.steps);
	assert_int_equal(a.hooks, b.hooks);
	assert_true(a.hooks > 0 && a.checks > 0);
}

static void test_drop_list_parses(void **state)
{
	struct explore_drop d;

	(void)state;
	assert_int_equal(explore_parse_drop("0.3,2.15", &d), 0);
	assert_int_equal(d.bits[0], 1u << 3);
	assert_int_equal(d.bits[2], 1u << 15);
	assert_int_equal(explore_parse_drop("0.x", &d), -1);
	assert_int_equal(explore_parse_drop("9.1", &d), -1);
}

static void test_explore_seeds(void **state)
{
	struct explore_opts o = { 0 };
	const char *env = getenv("EXPLORE_SEEDS");
	uint64_t n = env ? strtoull(env, NULL, 10) : DEFAULT_SEEDS;

	(void)state;
	assert_int_equal(explore_seeds(1, n, &o, stdout, n / 4 ? n / 4 : 1),
			 0);
}

/* The same over SMT cores in two LLCs and nodes (8 CPUs: cores of 2,
 * 4 CPUs per LLC and node): the flat LLC of the default run never
 * exercises the idle-core bits written by siblings under different locks,
 * the counts above the LLC or the searches across groups (sched/topo.c),
 * and the checker's exactness claim for them (sched_topo_check). */
static void test_explore_seeds_smt_nodes(void **state)
{
	struct explore_opts o = { .ncpus = 8, .smt_nodes = true };
	const char *env = getenv("EXPLORE_SEEDS");
	uint64_t n = env ? strtoull(env, NULL, 10) / 4 : DEFAULT_SEEDS / 4;

	(void)state;
	if (!n)
		n = 1;
	assert_int_equal(explore_seeds(1, n, &o, stdout, n / 2 ? n / 2 : 1),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_run),
		cmocka_unit_test(test_drop_list_parses),
		cmocka_unit_test(test_explore_seeds),
		cmocka_unit_test(test_explore_seeds_smt_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
