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

/* Found by 8-CPU runs: w1 is started on idle cpu1, which is told to
 * reschedule but is not run by the interleaving for 200 us, while cpu6
 * idles. Nobody else is kicked for a thread queued on an idle CPU
 * (wake_common: it takes the thread itself), so this is delivery, not a
 * decision; the checker used to report "cpu6 idle ... while w1 waits on
 * cpu1 (never told to reschedule)". */
static void test_waiter_on_idle_told_cpu_is_delivery(void **state)
{
	struct explore_opts o = { .ncpus = 8 };
	struct explore_drop d;
	struct explore_result r;

	(void)state;
	assert_int_equal(
		explore_parse_drop(
			"0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.10,0.11,0.12,"
			"1.0,1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,1.9,1.10,1.11,"
			"1.12,2.1,2.2,2.3,2.4,2.5,2.6,2.7,2.8,2.9,2.10,2.11,"
			"2.12,3.0,3.1,3.2,3.3,3.4,3.5,3.6,3.7,3.8,3.9,3.10,"
			"3.11,3.12,4.1,4.2,4.3,4.4,4.5,4.6,4.7,4.8,4.9,4.10,"
			"4.11,4.12",
			&d),
		0);
	if (explore_one(806657, &o, &d, &r) != 0)
		fail_msg("%s", r.reason);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_run),
		cmocka_unit_test(test_drop_list_parses),
		cmocka_unit_test(test_explore_seeds),
		cmocka_unit_test(test_explore_seeds_smt_nodes),
		cmocka_unit_test(test_waiter_on_idle_told_cpu_is_delivery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
