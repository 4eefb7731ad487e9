// SPDX-License-Identifier: MIT
/*
 * The fair class and the rotation, through the simulator: minimal switching
 * (issue 5's 4/4 and 4/5 cases), nice weights, and wakeup placement.
 *
 * Read next: rt-test.c.
 */
#include "sim-helpers.h"

/* 4 CPUs, 4 threads: no switches, no migrations, no timer events. */
static void test_4cpu_4threads_nothing_moves(void **state)
{
	struct sim_spec *sp = spec_new(4, 20 * MS, 1 * MS);
	const char *names[] = { "A", "B", "C", "D" };
	struct sim *s;

	(void)state;
	for (int i = 0; i < 4; i++)
		spec_thread(sp, names[i], SCHED_POLICY_FAIR);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	for (int i = 0; i < 4; i++) {
		struct sim_thread *t = T(s, names[i]);

		assert_int_equal(thread_switches(t), 0);
		assert_int_equal(t->t.stats.migrations, 0);
		assert_int_equal(t->t.stats.run_ns, 20 * MS);
	}
	for (int c = 0; c < 4; c++) {
		struct sched_cpu_stats cs;

		sched_cpu_stats(c, &cs);
		assert_int_equal(cs.switches, 1); /* idle -> its thread, once */
		assert_int_equal(cs.timer_events, 0); /* nohz */
	}
	sim_destroy(s);
}

/* 4 CPUs, 5 equal threads, 20 ticks: 16 +- 1 ticks each, migrations
 * within 1 of each other. */
static void test_4cpu_5threads_share_and_migrations(void **state)
{
	struct sim_spec *sp = spec_new(4, 20 * MS, 1 * MS);
	const char *names[] = { "A", "B", "C", "D", "E" };
	uint64_t mig_min = UINT64_MAX, mig_max = 0;
	struct sim *s;

	(void)state;
	for (int i = 0; i < 5; i++)
		spec_thread(sp, names[i], SCHED_POLICY_FAIR);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	for (int i = 0; i < 5; i++) {
		struct sim_thread *t = T(s, names[i]);
		uint64_t m = t->t.stats.migrations;

		assert_in_range(t->table_ticks, 15, 17);
		assert_in_range(t->t.stats.run_ns, 15 * MS, 17 * MS);
		mig_min = m < mig_min ? m : mig_min;
		mig_max = m > mig_max ? m : mig_max;
	}
	assert_true(mig_max - mig_min <= 1);
	/* Every table row shows 4 different threads (none duplicated). */
	for (int r = 0; r < s->nrows; r++)
		for (int a = 0; a < 4; a++)
			for (int b = a + 1; b < 4; b++)
				assert_int_not_equal(s->table[r * 4 + a],
						     s->table[r * 4 + b]);
	sim_destroy(s);
}

/* The same over a long run, with 7 threads on 3 CPUs. */
static void test_long_run_equal_shares(void **state)
{
	struct sim_spec *sp = spec_new(3, 700 * MS, 1 * MS);
	char name[16];
	struct sim *s;

	(void)state;
	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "T%d", i);
		spec_thread(sp, name, SCHED_POLICY_FAIR);
	}
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	for (int i = 0; i < 7; i++) {
		/* 3/7 of 700 ms = 300 ms each, within one tick */
		assert_in_range(s->threads[i].t.stats.run_ns, 299 * MS, 301 * MS);
	}
	sim_destroy(s);
}

static void expect_share(uint64_t got_ns, uint64_t want_ns)
{
	/* within 5% of the expected share */
	assert_in_range(got_ns, want_ns - want_ns / 20, want_ns + want_ns / 20);
}

/* Shares follow nice weights within 5% over a long run. */
static void test_nice_weights_one_cpu(void **state)
{
	struct sim_spec *sp = spec_new(1, 2000 * MS, 1 * MS);
	int nices[] = { -5, 0, 5 };
	uint64_t w[3], sum = 0;
	struct sim *s;

	(void)state;
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "N%d", nices[i]);
		spec_thread(sp, name, SCHED_POLICY_FAIR)->attr.nice = nices[i];
		w[i] = fair_weight_of_nice(nices[i]);
		sum += w[i];
	}
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	for (int i = 0; i < 3; i++)
		expect_share(s->threads[i].t.stats.run_ns,
			     2000 * MS * w[i] / sum);
	sim_destroy(s);
}

static void test_nice_weights_two_cpus(void **state)
{
	struct sim_spec *sp = spec_new(2, 2000 * MS, 1 * MS);
	int nices[] = { 0, 0, 3, 3 };
	uint64_t sum = 0;
	struct sim *s;

	(void)state;
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "T%d", i);
		spec_thread(sp, name, SCHED_POLICY_FAIR)->attr.nice = nices[i];
		sum += fair_weight_of_nice(nices[i]);
	}
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	for (int i = 0; i < 4; i++)
		expect_share(s->threads[i].t.stats.run_ns,
			     2 * 2000 * MS * fair_weight_of_nice(nices[i]) / sum);
	sim_destroy(s);
}

/* A long sleeper that wakes runs soon, but does not monopolise the CPU:
 * after waking it gets about half of the next 100 ms (plus at most the
 * sleeper credit). */
static void test_wakeup_placement(void **state)
{
	struct sim_spec *sp = spec_new(1, 300 * MS, 1 * MS);
	struct sim_thread_spec *b;
	uint64_t at_wake, after;
	struct sim *s;

	(void)state;
	spec_thread(sp, "A", SCHED_POLICY_FAIR);
	b = spec_thread(sp, "B", SCHED_POLICY_FAIR);
	spec_action(b, SIM_ACT_SLEEP, 200 * MS);
	spec_action(b, SIM_ACT_RUN, SIM_FOREVER_NS);
	s = sim_new();
	assert_int_equal(sim_run_until(s, 200 * MS), 0);
	at_wake = T(s, "B")->t.stats.run_ns;
	assert_int_equal(sim_run_until(s, 205 * MS), 0);
	assert_true(T(s, "B")->t.stats.run_ns > at_wake); /* not starved */
	assert_int_equal(sim_run(s), 0);
	after = T(s, "B")->t.stats.run_ns - at_wake;
	assert_in_range(after, 45 * MS,
			50 * MS + SCHED_DEFAULT_SLEEPER_CREDIT_NS + 1 * MS);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_4cpu_4threads_nothing_moves),
		cmocka_unit_test(test_4cpu_5threads_share_and_migrations),
		cmocka_unit_test(test_long_run_equal_shares),
		cmocka_unit_test(test_nice_weights_one_cpu),
		cmocka_unit_test(test_nice_weights_two_cpus),
		cmocka_unit_test(test_wakeup_placement),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
