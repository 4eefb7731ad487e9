// SPDX-License-Identifier: MIT
/*
 * cpupri (sched/cpupri.[ch]): the level masks on their own (2 .. 1024
 * CPUs), cpupri_find() against balance_rt_target() over an equivalent
 * snapshot (the RT placement it replaced: same choice, ties included),
 * cpupri_check() catching a broken structure, and RT placement through the
 * real scheduler in the simulator at 130 CPUs (candidates past the first
 * mask words).
 */
#include "tests/unit/sched/sim-helpers.h"

static struct cpupri cp;

static struct cpumask mask_range(int first, int last)
{
	struct cpumask m;

	cpumask_clear(&m);
	for (int c = first; c <= last; c++)
		cpumask_set(&m, c);
	return m;
}

static void test_levels(void **state)
{
	struct cpumask all = mask_range(0, 7);

	(void)state;
	cpupri_init(&cp, 8);
	assert_int_equal(cpupri_level_of(RANK_IDLE), CPUPRI_LEVEL_IDLE);
	assert_int_equal(cpupri_level_of(RANK_FAIR), CPUPRI_LEVEL_FAIR);
	assert_int_equal(cpupri_level_of(RANK_RT_BASE + 99), 101);
	assert_int_equal(cpupri_level_of(RANK_DL), CPUPRI_LEVEL_DL);
	/* Nobody online: nothing to find. */
	assert_int_equal(cpupri_find(&cp, &all, CPUPRI_LEVEL_DL, 0), -1);
	for (int c = 0; c < 8; c++)
		cpupri_set(&cp, c, CPUPRI_LEVEL_RT_BASE + 10 * c);
	assert_int_equal(cpupri_check(&cp), 0);
	/* Below RT 25: CPUs at RT 0, 10, 20; the least urgent wins. */
	assert_int_equal(cpupri_find(&cp, &all, CPUPRI_LEVEL_RT_BASE + 25, 2),
			 0);
	/* Not allowed on 0: the next level. */
	all = mask_range(1, 7);
	assert_int_equal(cpupri_find(&cp, &all, CPUPRI_LEVEL_RT_BASE + 25, 7),
			 1);
	/* Strictly below: RT 10 does not preempt RT 10. */
	all = mask_range(1, 1);
	assert_int_equal(cpupri_find(&cp, &all, CPUPRI_LEVEL_RT_BASE + 10, 1),
			 -1);
	/* Ties: the preferred CPU, else the lowest id. */
	all = mask_range(0, 7);
	cpupri_set(&cp, 3, CPUPRI_LEVEL_FAIR);
	cpupri_set(&cp, 5, CPUPRI_LEVEL_FAIR);
	cpupri_set(&cp, 6, CPUPRI_LEVEL_FAIR);
	assert_int_equal(cpupri_find(&cp, &all, CPUPRI_LEVEL_DL, 5), 5);
	assert_int_equal(cpupri_find(&cp, &all, CPUPRI_LEVEL_DL, 4), 3);
	assert_int_equal(cpupri_find(&cp, &all, CPUPRI_LEVEL_DL, -1), 3);
	assert_int_equal(cp.count[CPUPRI_LEVEL_FAIR], 3);
	/* Out of every level (offline): never found. */
	cpupri_set(&cp, 3, CPUPRI_NONE);
	assert_int_equal(cpupri_find(&cp, &all, CPUPRI_LEVEL_DL, 3), 5);
	assert_int_equal(cp.count[CPUPRI_LEVEL_FAIR], 2);
	assert_int_equal(cpupri_check(&cp), 0);
}

static void test_1024_cpus(void **state)
{
	struct cpumask m;

	(void)state;
	cpupri_init(&cp, 1024);
	for (int c = 0; c < 1024; c++)
		cpupri_set(&cp, c, CPUPRI_LEVEL_DL);
	assert_int_equal(cp.count[CPUPRI_LEVEL_DL], 1024);
	assert_int_equal(cpupri_check(&cp), 0);
	cpumask_fill(&m, 1024);
	assert_int_equal(cpupri_find(&cp, &m, CPUPRI_LEVEL_DL, 0), -1);
	/* One candidate in the last word, one in the middle. */
	cpupri_set(&cp, 1000, CPUPRI_LEVEL_RT_BASE + 7);
	cpupri_set(&cp, 1023, CPUPRI_LEVEL_FAIR);
	cpupri_set(&cp, 513, CPUPRI_LEVEL_FAIR);
	assert_int_equal(cpupri_find(&cp, &m, CPUPRI_LEVEL_DL, 0), 513);
	assert_int_equal(cpupri_find(&cp, &m, CPUPRI_LEVEL_DL, 1023), 1023);
	m = mask_range(514, 1022);
	assert_int_equal(cpupri_find(&cp, &m, CPUPRI_LEVEL_DL, 0), 1000);
	assert_int_equal(cpupri_find(&cp, &m, CPUPRI_LEVEL_RT_BASE + 7, 0),
			 -1);
	/* Moving every CPU through levels keeps the counts. */
	for (int c = 0; c < 1024; c++)
		cpupri_set(&cp, c, c % CPUPRI_NR_LEVELS);
	assert_int_equal(cpupri_check(&cp), 0);
	for (int l = 0; l < CPUPRI_NR_LEVELS; l++)
		assert_int_equal(cp.count[l],
				 1024 / CPUPRI_NR_LEVELS +
					 (l < 1024 % CPUPRI_NR_LEVELS));
}

/* A level for balance_load: rank of a level, inverse of cpupri_level_of. */
static int rank_of_level(int l)
{
	return l == CPUPRI_LEVEL_DL ? RANK_DL : l;
}

/*
 * The property RT placement relies on: for random levels (some CPUs
 * offline, some with queued work above what runs), random masks, ranks
 * and preferred CPUs, cpupri_find() returns what balance_rt_target()
 * returns over the snapshot those levels describe.
 */
static void test_same_choice_as_snapshot(void **state)
{
	static struct balance_load l[1024];
	static const int sizes[] = { 2, 3, 8, 64, 65, 130, 1024 };
	uint64_t rs = 0x13cafe;

	(void)state;
	for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		int n = sizes[si];

		for (int round = 0; round < 200; round++) {
			/* Few distinct levels, so ties are common. */
			int spread = 1 + (int)(test_rand(&rs) % 6);

			cpupri_init(&cp, n);
			for (int c = 0; c < n; c++) {
				int lvl = (int)(test_rand(&rs) % spread);

				lvl = lvl == 5 ? CPUPRI_LEVEL_DL :
				      lvl >= 2 ? CPUPRI_LEVEL_RT_BASE + 10 * lvl :
						 lvl;
				memset(&l[c], 0, sizeof(l[c]));
				l[c].online = test_rand(&rs) % 16 != 0;
				l[c].top_queued_rank = -1;
				l[c].curr_rank = rank_of_level(lvl);
				if (lvl > 0 && test_rand(&rs) % 3 == 0) {
					/* Queued work sets the level. */
					l[c].curr_rank = RANK_FAIR;
					l[c].top_queued_rank = rank_of_level(lvl);
				}
				if (l[c].online)
					cpupri_set(&cp, c, lvl);
			}
			assert_int_equal(cpupri_check(&cp), 0);
			for (int q = 0; q < 20; q++) {
				struct cpumask m;
				int rank = RANK_RT_BASE +
					   (int)(test_rand(&rs) % 100);
				int prefer = (int)(test_rand(&rs) % (n + 1)) - 1;

				cpumask_clear(&m);
				for (int c = 0; c < n; c++)
					if (test_rand(&rs) % 4)
						cpumask_set(&m, c);
				assert_int_equal(
					cpupri_find(&cp, &m,
						    cpupri_level_of(rank),
						    prefer),
					balance_rt_target(l, n, &m, rank,
							  prefer));
			}
		}
	}
}

/* The checker the explorer runs finds a CPU in the wrong mask, a lost bit
 * and a wrong count. */
static void test_check_catches_damage(void **state)
{
	(void)state;
	cpupri_init(&cp, 130);
	for (int c = 0; c < 130; c++)
		cpupri_set(&cp, c, CPUPRI_LEVEL_FAIR);
	assert_int_equal(cpupri_check(&cp), 0);
	cpumask_set(&cp.mask[CPUPRI_LEVEL_IDLE], 129); /* in two masks */
	assert_int_not_equal(cpupri_check(&cp), 0);
	cpumask_unset(&cp.mask[CPUPRI_LEVEL_IDLE], 129);
	cpumask_unset(&cp.mask[CPUPRI_LEVEL_FAIR], 129); /* in none */
	assert_int_not_equal(cpupri_check(&cp), 0);
	cpumask_set(&cp.mask[CPUPRI_LEVEL_FAIR], 129);
	cp.count[CPUPRI_LEVEL_FAIR]--;
	assert_int_not_equal(cpupri_check(&cp), 0);
	cp.count[CPUPRI_LEVEL_FAIR]++;
	assert_int_equal(cpupri_check(&cp), 0);
}

/*
 * RT placement through the scheduler at 130 CPUs: every CPU but 129 runs a
 * pinned fair hog. An RT thread woken from CPU 0 goes to the one idle CPU
 * (third mask word); a second, allowed on 64..127 only, goes to the lowest
 * of those (all fair, its spawn CPU not among them), and neither waits.
 * The simulator runs sched_check_all (with the cpupri invariant) after
 * every event.
 */
static void test_rt_placement_130(void **state)
{
	struct sim_spec *sp = spec_new(130, 20 * MS, 1 * MS);
	struct sim_thread_spec *r;
	struct sim *s;
	char name[16];

	(void)state;
	for (int c = 0; c < 129; c++) {
		snprintf(name, sizeof(name), "F%d", c);
		r = spec_thread(sp, name, SCHED_POLICY_FAIR);
		spec_pin(r, c, c);
	}
	r = spec_thread(sp, "R1", SCHED_POLICY_FIFO);
	r->attr.rt_priority = 30;
	r->arrive_ns = 2 * MS;
	r->spawn_cpu = 0;
	r->has_spawn_cpu = true;
	spec_action(r, SIM_ACT_RUN, 5 * MS);
	r = spec_thread(sp, "R2", SCHED_POLICY_FIFO);
	r->attr.rt_priority = 30;
	r->arrive_ns = 3 * MS;
	spec_pin(r, 64, 127);
	r->spawn_cpu = 0;
	r->has_spawn_cpu = true;
	spec_action(r, SIM_ACT_RUN, 5 * MS);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(T(s, "R1")->t.cpu, 129);
	assert_int_equal(T(s, "R1")->t.stats.wait_ns, 0);
	assert_int_equal(T(s, "R1")->t.stats.migrations, 0);
	assert_int_equal(T(s, "R2")->t.cpu, 64);
	assert_int_equal(T(s, "R2")->t.stats.wait_ns, 0);
	assert_int_equal(T(s, "R2")->t.stats.run_ns, 5 * MS);
	sim_destroy(s);
}

/* Among equals: prefer, then the nearest ring that has one, then the
 * lowest id; a ring never makes a more urgent level win. */
static void test_find_near(void **state)
{
	struct cpumask all, llc = mask_range(4, 7), node = mask_range(0, 11);
	const struct cpumask *near[2] = { &llc, &node };

	(void)state;
	cpumask_fill(&all, 16);
	cpupri_init(&cp, 16);
	for (int c = 0; c < 16; c++)
		cpupri_set(&cp, c, CPUPRI_LEVEL_FAIR);
	cpupri_set(&cp, 5, CPUPRI_LEVEL_RT_BASE + 10);
	assert_int_equal(cpupri_find_near(&cp, &all, CPUPRI_LEVEL_DL, 5,
					  near, 2), 4);
	assert_int_equal(cpupri_find(&cp, &all, CPUPRI_LEVEL_DL, 5), 0);
	/* Prefer still first. */
	assert_int_equal(cpupri_find_near(&cp, &all, CPUPRI_LEVEL_DL, 9,
					  near, 2), 9);
	/* Nothing of the level in the LLC: the node ring. */
	for (int c = 4; c < 8; c++)
		cpupri_set(&cp, c, CPUPRI_LEVEL_RT_BASE + 10);
	cpupri_set(&cp, 0, CPUPRI_LEVEL_RT_BASE + 10);
	assert_int_equal(cpupri_find_near(&cp, &all, CPUPRI_LEVEL_DL, 5,
					  near, 2), 1);
	/* A less urgent CPU far away beats a near one at the same level as
	 * the rest: level first, locality only among equals. */
	cpupri_set(&cp, 15, CPUPRI_LEVEL_IDLE);
	assert_int_equal(cpupri_find_near(&cp, &all, CPUPRI_LEVEL_DL, 5,
					  near, 2), 15);
	/* Outside the rings: the lowest id. */
	all = mask_range(12, 14);
	assert_int_equal(cpupri_find_near(&cp, &all, CPUPRI_LEVEL_DL, 5,
					  near, 2), 12);
}

/*
 * Two LLCs (2 packages x 4 cores): every CPU runs a pinned fair hog but
 * CPU 5, which runs a pinned FIFO 10 thread. A FIFO 30 thread started
 * from CPU 5 preempts a fair hog: with the domains attached, one in CPU
 * 5's LLC (CPU 4); without a topology (one flat LLC), the lowest id (CPU
 * 0), as before domains.
 */
static void run_near_placement(bool topology, int expect)
{
	struct sim_spec *sp = spec_new(8, 10 * MS, 1 * MS);
	struct sim_thread_spec *r;
	struct sim *s;
	char name[16];

	if (topology) {
		sp->packages = 2;
		sp->cores = 4;
		sp->smt = 1;
	}
	for (int c = 0; c < 8; c++) {
		snprintf(name, sizeof(name), "F%d", c);
		r = spec_thread(sp, name, SCHED_POLICY_FAIR);
		spec_pin(r, c, c);
		if (c == 5) {
			r->attr.policy = SCHED_POLICY_FIFO;
			r->attr.rt_priority = 10;
		}
	}
	r = spec_thread(sp, "R", SCHED_POLICY_FIFO);
	r->attr.rt_priority = 30;
	r->arrive_ns = 2 * MS;
	r->spawn_cpu = 5;
	r->has_spawn_cpu = true;
	spec_action(r, SIM_ACT_RUN, 5 * MS);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(T(s, "R")->t.cpu, expect);
	assert_int_equal(T(s, "R")->t.stats.wait_ns, 0);
	sim_destroy(s);
}

static void test_rt_placement_prefers_llc(void **state)
{
	(void)state;
	run_near_placement(true, 4);
	run_near_placement(false, 0);
}

/*
 * A CPU whose RT work is throttled is no place for an RT newcomer: it
 * would wait there for the window to end whatever else the CPU runs.
 * CPU 0: R1 (FIFO 50, pinned) runs into the throttle (3 of every 10 ms)
 * and CPU 0 idles with R1 queued; CPU 1 runs a pinned fair hog. R2 (FIFO
 * 30, may use both) is started from CPU 0 at 5 ms: it must preempt the
 * fair hog on CPU 1 at once. Before the fix cpupri put the throttled CPU
 * at level 0 (idle: throttled work does not count), the least urgent of
 * all, so R2 was queued on CPU 0 and waited 5 ms for the window to end
 * (wait_ns 5000000), while CPU 1 ran fair work. With that fixed alone, it
 * still failed, another way: placed on CPU 1, R2 was pulled back by
 * idle CPU 0 (balance_pull ignored the throttle) before CPU 1 took the
 * preemption IPI (2 migrations, wait_ns 5000000).
 */
static void test_rt_placement_avoids_throttled_cpu(void **state)
{
	struct sim_spec *sp = spec_new(2, 20 * MS, 1 * MS);
	struct sim_thread_spec *r;
	struct sim *s;

	(void)state;
	spec_set(sp, "rt_period_ns", 10 * MS);
	spec_set(sp, "rt_runtime_ns", 3 * MS);
	r = spec_thread(sp, "R1", SCHED_POLICY_FIFO);
	r->attr.rt_priority = 50;
	spec_pin(r, 0, 0);
	r = spec_thread(sp, "F", SCHED_POLICY_FAIR);
	spec_pin(r, 1, 1);
	r = spec_thread(sp, "R2", SCHED_POLICY_FIFO);
	r->attr.rt_priority = 30;
	r->arrive_ns = 5 * MS;
	r->spawn_cpu = 0;
	r->has_spawn_cpu = true;
	spec_action(r, SIM_ACT_RUN, 2 * MS);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(T(s, "R2")->t.stats.wait_ns, 0);
	assert_int_equal(T(s, "R2")->t.cpu, 1);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_1024_cpus),
		cmocka_unit_test(test_same_choice_as_snapshot),
		cmocka_unit_test(test_check_catches_damage),
		cmocka_unit_test(test_rt_placement_130),
		cmocka_unit_test(test_find_near),
		cmocka_unit_test(test_rt_placement_prefers_llc),
		cmocka_unit_test(test_rt_placement_avoids_throttled_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
