// SPDX-License-Identifier: MIT
/*
 * sched/balance.c's pure decisions, on hand-made snapshots (no scheduler
 * state involved), plus one end-to-end check that the periodic pass brings
 * queue lengths within one of each other.
 *
 * Read next: core-test.c.
 */
#include "sim-helpers.h"

static struct cpumask mask_of(int first, int last)
{
	struct cpumask m;

	cpumask_clear(&m);
	for (int c = first; c <= last; c++)
		cpumask_set(&m, c);
	return m;
}

static void fair_cpu(struct balance_load *l, uint64_t v, uint64_t stint,
		     unsigned nr)
{
	/* nr nice-0 fair threads on a CPU without RT/DL use. */
	*l = (struct balance_load){ .online = true, .nr_running = nr,
				    .fair_weight = nr * SCHED_NICE_0_WEIGHT,
				    .fair_capacity = SCHED_CAPACITY,
				    .curr_rank = RANK_FAIR, .curr_vruntime = v,
				    .curr_stint_ns = stint,
				    .top_queued_rank = nr > 1 ? RANK_FAIR : -1 };
}

static void test_rotation_target(void **state)
{
	struct balance_load l[4];
	struct cpumask all = mask_of(0, 3), two = mask_of(2, 3);

	(void)state;
	fair_cpu(&l[0], 10 * MS, 1 * MS, 2);
	fair_cpu(&l[1], 12 * MS, 3 * MS, 1);
	fair_cpu(&l[2], 12 * MS, 2 * MS, 1);
	fair_cpu(&l[3], 12 * MS, 3 * MS, 1);
	/* Longest stint wins; tie between 1 and 3 goes to the lower id. */
	assert_int_equal(balance_rotation_target(l, 4, &all, 9 * MS, 0, 100 * US), 1);
	/* ... unless this CPU is among the tied. */
	assert_int_equal(balance_rotation_target(l, 4, &all, 9 * MS, 3, 100 * US), 3);
	/* Affinity is respected. */
	assert_int_equal(balance_rotation_target(l, 4, &two, 9 * MS, 0, 100 * US), 3);
	/* A waiter not behind by min_gran does not rotate. */
	assert_int_equal(balance_rotation_target(l, 4, &all, 12 * MS, 0, 100 * US), -1);
	/* A stint shorter than min_gran is not replaced. */
	l[1].curr_stint_ns = l[3].curr_stint_ns = 50 * US;
	l[2].curr_stint_ns = 50 * US;
	l[0].curr_stint_ns = 50 * US;
	assert_int_equal(balance_rotation_target(l, 4, &all, 0, 0, 100 * US), -1);
	/* An idle CPU beats everything. */
	l[2] = (struct balance_load){ .online = true, .curr_rank = RANK_IDLE,
				      .top_queued_rank = -1 };
	assert_int_equal(balance_rotation_target(l, 4, &all, 0, 0, 100 * US), 2);
	assert_int_equal(balance_idle_target(l, 4, &all), 2);
	assert_int_equal(balance_idle_target(l, 4, &two), 2);
	/* Offline CPUs are never chosen. */
	l[2].online = false;
	assert_int_equal(balance_rotation_target(l, 4, &all, 0, 0, 100 * US), -1);
	assert_int_equal(balance_idle_target(l, 4, &all), -1);
}

static void test_push_target(void **state)
{
	struct balance_load l[3];
	struct cpumask all = mask_of(0, 2), no2 = mask_of(0, 1);

	(void)state;
	fair_cpu(&l[0], 0, 0, 4);
	fair_cpu(&l[1], 0, 0, 3);
	fair_cpu(&l[2], 0, 0, 2);
	assert_int_equal(balance_push_target(l, 3, &all, 0, SCHED_NICE_0_WEIGHT), 2);
	assert_int_equal(balance_push_target(l, 3, &no2, 0, SCHED_NICE_0_WEIGHT), -1); /* 4 vs 3 */
	assert_int_equal(balance_push_target(l, 3, &all, 1, SCHED_NICE_0_WEIGHT), -1); /* 3 vs 2 */
}

/* Issue 13: loads are fair weight per capacity net of RT/DL use. */
static void test_weighted_push_target(void **state)
{
	struct balance_load l[3];
	struct cpumask all = mask_of(0, 2);

	(void)state;
	fair_cpu(&l[0], 0, 0, 2);	/* two nice-0: load 2048 */
	fair_cpu(&l[1], 0, 0, 1);	/* one nice-0 on half a CPU: 2048 */
	l[1].fair_capacity = SCHED_CAPACITY / 2;
	fair_cpu(&l[2], 0, 0, 1);	/* one nice-5: load 335 */
	l[2].fair_weight = fair_weight_of_nice(5);
	assert_int_equal(balance_fair_load(&l[1], 0), 2048);
	assert_int_equal(balance_fair_load(&l[2], SCHED_NICE_0_WEIGHT),
			 335 + 1024);
	/* A nice-0 waiter goes beside the nice-5 thread, not to the CPU
	 * with fewer threads but half its capacity taken. */
	assert_int_equal(balance_push_target(l, 3, &all, 0,
					     SCHED_NICE_0_WEIGHT), 2);
	/* Nowhere it would lower the larger load: stay. */
	l[2].fair_weight = SCHED_NICE_0_WEIGHT;
	assert_int_equal(balance_push_target(l, 3, &all, 0,
					     SCHED_NICE_0_WEIGHT), -1);
}

static void test_rotation_behind_target(void **state)
{
	struct balance_load l[4];
	struct cpumask all = mask_of(0, 3);

	(void)state;
	l[0] = (struct balance_load){ .online = true, .nr_running = 2,
				      .curr_rank = RANK_DL,
				      .top_queued_rank = RANK_FAIR };
	fair_cpu(&l[1], 5 * MS, 0, 1);
	fair_cpu(&l[2], 20 * MS, 0, 1);	/* furthest ahead, fresh stint */
	fair_cpu(&l[3], 10 * MS, 50 * MS, 1);
	/* The waiter behind the deadline thread on CPU 0 takes the CPU of
	 * the thread furthest ahead, however short its stint. */
	assert_int_equal(balance_rotation_behind_target(l, 4, &all, 4 * MS,
							 MS), 2);
	/* Only threads a whole lead ahead count. */
	assert_int_equal(balance_rotation_behind_target(l, 4, &all, 19500 * US,
							 MS), -1);
	assert_int_equal(balance_rotation_behind_target(l, 4, &all, 9 * MS,
							 MS), 2);
	/* An idle CPU first. */
	l[1].curr_rank = RANK_IDLE;
	l[1].nr_running = 0;
	assert_int_equal(balance_rotation_behind_target(l, 4, &all, 4 * MS,
							 MS), 1);
}

/* PELT-style RT/DL utilisation: half-life 32 ms, read without the lock
 * by extrapolating from what runs there now. */
static void test_rtdl_util(void **state)
{
	static struct rq rq;
	uint32_t u;

	(void)state;
	rq.snap_rank = RANK_RT_BASE + 1;
	rq.rtdl_util = 0;
	rq.rtdl_util_at_ns = 0;
	u = rq_rtdl_util(&rq, 32 * MS);	/* 32 ms of RT from nothing */
	assert_in_range(u, SCHED_UTIL_ONE / 2 - SCHED_UTIL_ONE / 500,
			SCHED_UTIL_ONE / 2 + SCHED_UTIL_ONE / 500);
	assert_in_range(rq_fair_capacity(&rq, 32 * MS), 511, 513);
	assert_in_range(rq_rtdl_util(&rq, 500 * US), 11000, 11400); /* ~1.08% */
	assert_in_range(rq_rtdl_util(&rq, 1), 1, 100);	/* no wrap at 0+ */
	rq.snap_rank = RANK_FAIR;
	rq.rtdl_util = SCHED_UTIL_ONE;
	u = rq_rtdl_util(&rq, 64 * MS);	/* two half-lives of fair */
	assert_in_range(u, SCHED_UTIL_ONE / 4 - SCHED_UTIL_ONE / 500,
			SCHED_UTIL_ONE / 4 + SCHED_UTIL_ONE / 500);
	assert_int_equal(rq_rtdl_util(&rq, 10 * 1000 * MS), 0);
	/* A CPU that RT fills still counts a little for fair threads. */
	rq.snap_rank = RANK_DL;
	assert_int_equal(rq_fair_capacity(&rq, 10 * 1000 * MS),
			 SCHED_CAPACITY_MIN);
	/* The reader's clock behind the owner's stamp: the stored value. */
	rq.rtdl_util_at_ns = 20 * 1000 * MS;
	assert_int_equal(rq_rtdl_util(&rq, 10 * 1000 * MS), SCHED_UTIL_ONE);
}

static void test_pull_order_and_rt_target(void **state)
{
	struct balance_load l[4];
	struct cpumask all = mask_of(0, 3);
	int order[4];

	(void)state;
	fair_cpu(&l[0], 0, 0, 0);
	l[0].curr_rank = RANK_IDLE;
	fair_cpu(&l[1], 0, 0, 3);
	fair_cpu(&l[2], 0, 0, 2);
	l[2].top_queued_rank = RANK_RT_BASE + 5;
	fair_cpu(&l[3], 0, 0, 5);
	/* RT work first, then the longest fair queue. */
	assert_int_equal(balance_pull_order(l, 4, 0, RANK_IDLE, order), 3);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 3);
	assert_int_equal(order[2], 1);
	/* A CPU running fair only pulls RT. */
	assert_int_equal(balance_pull_order(l, 4, 1, RANK_FAIR, order), 1);

	/* RT push: the least urgent allowed CPU below the rank. */
	l[0].curr_rank = RANK_RT_BASE + 50;
	l[0].top_queued_rank = -1;
	l[1].curr_rank = RANK_FAIR;
	l[1].top_queued_rank = RANK_FAIR;
	l[3].curr_rank = RANK_RT_BASE + 1;
	l[3].top_queued_rank = -1;
	assert_int_equal(balance_rt_target(l, 4, &all, RANK_RT_BASE + 10, 0), 1);
	assert_int_equal(balance_rt_target(l, 4, &all, RANK_FAIR, 0), -1);
}

/* Ten hogs start pinned to CPU 0; at 10 ms they may go anywhere. After two
 * balance intervals the run queues are within one of each other, and the
 * work-conservation check held throughout (sim_run fails otherwise). */
static struct sim_thread *hogs[10];

static void widen(void *arg)
{
	struct cpumask all;

	(void)arg;
	cpumask_fill(&all, 4);
	for (int i = 0; i < 10; i++)
		assert_int_equal(thread_set_affinity(&hogs[i]->t, &all), 0);
}

static void test_queues_even_out(void **state)
{
	struct sim_spec *sp = spec_new(4, 200 * MS, 1 * MS);
	struct sim *s;
	unsigned lo = ~0u, hi = 0;

	(void)state;
	for (int i = 0; i < 10; i++) {
		char name[16];

		snprintf(name, sizeof(name), "H%d", i);
		spec_pin(spec_thread(sp, name, SCHED_POLICY_FAIR), 0, 0);
	}
	s = sim_new();
	for (int i = 0; i < 10; i++)
		hogs[i] = &s->threads[i];
	assert_int_equal(sim_run_until(s, 10 * MS), 0);
	assert_int_equal(rq_nr_running(cpu_rq(0)), 10);
	sim_as_irq(s, 0, widen, NULL);
	/* The periodic pass moves one waiter per CPU per interval; the
	 * first passes fall at fixed times (every CPU came online at 0), so
	 * three intervals cover 7,1,1,1 (idle CPUs kicked at once) going to
	 * 3,3,2,2. */
	assert_int_equal(sim_run_until(s, 10 * MS + 3 * SCHED_DEFAULT_BALANCE_INTERVAL_NS), 0);
	for (int c = 0; c < 4; c++) {
		unsigned n = rq_nr_running(cpu_rq(c));

		lo = n < lo ? n : lo;
		hi = n > hi ? n : hi;

	}
	assert_true(hi - lo <= 1);
	assert_int_equal(sim_run(s), 0);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotation_target),
		cmocka_unit_test(test_push_target),
		cmocka_unit_test(test_weighted_push_target),
		cmocka_unit_test(test_rotation_behind_target),
		cmocka_unit_test(test_rtdl_util),
		cmocka_unit_test(test_pull_order_and_rt_target),
		cmocka_unit_test(test_queues_even_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
