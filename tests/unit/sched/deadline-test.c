// SPDX-License-Identifier: MIT
/*
 * The deadline class: random partitioned task sets with utilisation <= 1
 * per CPU never miss (Liu & Layland, EDF with implicit deadlines), requests
 * over the bound are refused with -EBUSY and a log line, worst-fit homes
 * under an affinity mask, and CBS keeps an overrunning thread from hurting
 * the others.
 *
 * Read next: balance-test.c.
 */
#include "sim-helpers.h"

#include <stdlib.h>

static const uint64_t periods_ms[] = { 5, 10, 20, 25, 50 };

static void test_random_partitioned_sets_never_miss(void **state)
{
	uint64_t seed = 0xdeadbeef;

	(void)state;
	for (int trial = 0; trial < 24; trial++) {
		int ncpus = 1 + (int)(test_rand(&seed) % 4);
		struct sim_spec *sp = spec_new(ncpus, 300 * MS, 1 * MS);
		struct sim *s;

		spec_set(sp, "dl_bound_ppm", 1000000); /* U <= 1 exactly */
		for (int c = 0; c < ncpus; c++) {
			int ntasks = 1 + (int)(test_rand(&seed) % 4);
			uint64_t left_ppm = 1000000;

			for (int k = 0; k < ntasks; k++) {
				uint64_t p = periods_ms[test_rand(&seed) % 5] * MS;
				/* last task takes what is left: U = 1 */
				uint64_t u = k == ntasks - 1 ? left_ppm :
					test_rand(&seed) % (left_ppm / 2 + 1);
				uint64_t rt = p / 1000 * u / 1000; /* floor, ns */
				struct sim_thread_spec *t;
				char name[16];

				left_ppm -= u;
				if (rt < 10 * US)
					continue;
				snprintf(name, sizeof(name), "D%d.%d", c & 7, k & 7);
				t = spec_thread(sp, name, SCHED_POLICY_DEADLINE);
				t->attr.dl_runtime_ns = rt;
				t->attr.dl_deadline_ns = p;
				t->attr.dl_period_ns = p;
				spec_pin(t, c, c);
				spec_action(t, SIM_ACT_RUN, rt);
				spec_action(t, SIM_ACT_YIELD, 0);
				spec_action(t, SIM_ACT_LOOP, 0);
			}
			/* background load that must not matter */
			spec_thread(sp, c ? "F1" : "F0", SCHED_POLICY_FAIR);
		}
		s = sim_new();
		assert_int_equal(sim_run(s), 0);
		for (int i = 0; i < s->nthreads; i++) {
			struct sim_thread *t = &s->threads[i];

			assert_int_equal(t->create_err, 0);
			assert_int_equal(t->t.stats.dl_misses, 0);
			assert_int_equal(t->t.stats.throttle_events, 0);
			if (t->spec.attr.policy == SCHED_POLICY_DEADLINE)
				/* one job per period (the last may be open) */
				assert_true(t->jobs + 1 >=
					    300 * MS / t->spec.attr.dl_period_ns);
		}
		sim_destroy(s);
	}
}

static void test_admission_refuses_over_bound(void **state)
{
	struct sim_spec *sp = spec_new(1, 10 * MS, 1 * MS);
	struct sim_thread_spec *t;
	struct sim *s;
	uint64_t before;

	(void)state;
	t = spec_thread(sp, "A", SCHED_POLICY_DEADLINE);
	t->attr.dl_runtime_ns = 5 * MS;
	t->attr.dl_deadline_ns = t->attr.dl_period_ns = 10 * MS;
	t = spec_thread(sp, "B", SCHED_POLICY_DEADLINE);
	t->attr.dl_runtime_ns = 4 * MS;
	t->attr.dl_deadline_ns = t->attr.dl_period_ns = 10 * MS;
	t = spec_thread(sp, "C", SCHED_POLICY_DEADLINE);
	t->attr.dl_runtime_ns = 1 * MS; /* 50 + 40 + 10 = 100% > 95% */
	t->attr.dl_deadline_ns = t->attr.dl_period_ns = 10 * MS;
	s = sim_new();
	assert_int_equal(sim_run_until(s, 1), 0);
	assert_int_equal(T(s, "A")->create_err, 0);
	assert_int_equal(T(s, "B")->create_err, 0);
	assert_int_equal(T(s, "C")->create_err, -EBUSY);
	assert_non_null(strstr(s->last_log, "cpu0"));
	assert_non_null(strstr(s->last_log, "excess 5.000%"));
	/* nothing changed: only A and B are charged */
	before = dl_cpu_bw(0);
	assert_int_equal(before, dl_bw_of(5 * MS, 10 * MS) + dl_bw_of(4 * MS, 10 * MS));

	/* Raising A past the bound is refused too, and changes nothing. */
	{
		struct sched_attr a, got;

		thread_get_attr(&T(s, "A")->t, &a);
		a.dl_runtime_ns = 6 * MS;
		assert_int_equal(thread_set_attr(&T(s, "A")->t, &a), -EBUSY);
		thread_get_attr(&T(s, "A")->t, &got);
		assert_int_equal(got.dl_runtime_ns, 5 * MS);
		assert_int_equal(dl_cpu_bw(0), before);
		/* Lowering is fine and releases bandwidth. */
		a.dl_runtime_ns = 2 * MS;
		assert_int_equal(thread_set_attr(&T(s, "A")->t, &a), 0);
		assert_int_equal(dl_cpu_bw(0), dl_bw_of(2 * MS, 10 * MS) +
						       dl_bw_of(4 * MS, 10 * MS));
	}
	assert_int_equal(sim_run(s), 0);
	sim_destroy(s);
}

/* Affinity masks are sound: each thread is charged to the least loaded CPU
 * of its mask, and never runs elsewhere. */
static void test_worst_fit_homes(void **state)
{
	struct sim_spec *sp = spec_new(2, 100 * MS, 1 * MS);
	struct sim *s;
	const char *names[] = { "A", "B", "C", "D" };

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct sim_thread_spec *t = spec_thread(sp, names[i],
							SCHED_POLICY_DEADLINE);
		t->attr.dl_runtime_ns = 4 * MS;
		t->attr.dl_deadline_ns = t->attr.dl_period_ns = 10 * MS;
		spec_pin(t, 0, 1);
		spec_action(t, SIM_ACT_RUN, 4 * MS);
		spec_action(t, SIM_ACT_YIELD, 0);
		spec_action(t, SIM_ACT_LOOP, 0);
	}
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(T(s, "A")->t.dl.home_cpu, 0);
	assert_int_equal(T(s, "B")->t.dl.home_cpu, 1);
	assert_int_equal(T(s, "C")->t.dl.home_cpu, 0);
	assert_int_equal(T(s, "D")->t.dl.home_cpu, 1);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(T(s, names[i])->t.stats.migrations, 0);
		assert_int_equal(T(s, names[i])->t.stats.dl_misses, 0);
	}
	sim_destroy(s);
}

/* CBS: A claims 2 ms per 10 ms but tries to run 5 ms per job. It is
 * throttled (and misses its own deadlines); B keeps every deadline. */
static void test_cbs_isolation(void **state)
{
	struct sim_spec *sp = spec_new(1, 200 * MS, 1 * MS);
	struct sim_thread_spec *t;
	struct sim *s;

	(void)state;
	t = spec_thread(sp, "A", SCHED_POLICY_DEADLINE);
	t->attr.dl_runtime_ns = 2 * MS;
	t->attr.dl_deadline_ns = t->attr.dl_period_ns = 10 * MS;
	spec_action(t, SIM_ACT_RUN, 5 * MS);
	spec_action(t, SIM_ACT_YIELD, 0);
	spec_action(t, SIM_ACT_LOOP, 0);
	t = spec_thread(sp, "B", SCHED_POLICY_DEADLINE);
	t->attr.dl_runtime_ns = 7 * MS;
	t->attr.dl_deadline_ns = t->attr.dl_period_ns = 10 * MS;
	spec_action(t, SIM_ACT_RUN, 7 * MS);
	spec_action(t, SIM_ACT_YIELD, 0);
	spec_action(t, SIM_ACT_LOOP, 0);
	spec_thread(sp, "F", SCHED_POLICY_FAIR);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	assert_true(T(s, "A")->t.stats.throttle_events > 0);
	assert_true(T(s, "A")->t.stats.dl_misses > 0);
	assert_int_equal(T(s, "B")->t.stats.dl_misses, 0);
	/* A gets its reservation, no more: 2 ms per 10 ms */
	assert_in_range(T(s, "A")->t.stats.run_ns, 38 * MS, 40 * MS);
	sim_destroy(s);
}

/*
 * Issue 9, defect 10: a deadline thread that runs out of budget just as it
 * blocks (throttled until its next period) and wakes soon after must stay
 * throttled: the CBS wakeup rule keeps its deadline and (empty) budget.
 * Before the fix the wakeup handed it a full new budget, so it ran 2 ms in
 * its first 10 ms period on a 1 ms / 10 ms reservation (run_ns 2000000 at
 * 9 ms).
 */
static void test_cbs_blocked_while_throttled_gets_no_budget(void **state)
{
	struct sim_spec *sp = spec_new(1, 30 * MS, 1 * MS);
	struct sim_thread_spec *t;
	struct sim *s;

	(void)state;
	t = spec_thread(sp, "D", SCHED_POLICY_DEADLINE);
	t->attr.dl_runtime_ns = 1 * MS;
	t->attr.dl_deadline_ns = t->attr.dl_period_ns = 10 * MS;
	spec_action(t, SIM_ACT_RUN, 1 * MS);	/* all of its budget */
	spec_action(t, SIM_ACT_SLEEP, 100 * US); /* blocks, throttled */
	spec_action(t, SIM_ACT_RUN, 1 * MS);	/* wants more at once */
	spec_action(t, SIM_ACT_EXIT, 0);
	s = sim_new();
	assert_int_equal(sim_run_until(s, 9 * MS), 0);
	sched_account_all();
	assert_true(T(s, "D")->t.stats.run_ns <= 1 * MS);
	/* and it does get its next period's budget */
	assert_int_equal(sim_run(s), 0);
	assert_true(T(s, "D")->exited);
	sim_destroy(s);
}

/* The home search by a whole scan, as dl_admit did before the 64-CPU
 * block summaries: stay home if it fits, else worst fit, lowest id; with
 * nodes (issue 13), first over the CPUs of `node` (topo: the scenario's
 * ids; NULL or node < 0: none), taken if it has room. */
static int ref_admit(uint64_t bw, const struct cpumask *mask, int old_cpu,
		     uint64_t old_bw, const struct cpu_topo *topo, int node,
		     int *home)
{
	uint64_t bound = sched_tunables.dl_bound_bw, best_sum = UINT64_MAX;
	int best = -1;

	if (old_cpu >= 0 && cpumask_test(&sched_online_mask, old_cpu) &&
	    cpumask_test(mask, old_cpu) &&
	    dl_cpu_bw(old_cpu) - old_bw + bw <= bound) {
		*home = old_cpu;
		return 0;
	}
	for (int cpu = 0; topo && node >= 0 && cpu < sched_nr_cpus; cpu++) {
		uint64_t sum = dl_cpu_bw(cpu) - (cpu == old_cpu ? old_bw : 0);

		if (topo[cpu].node == node &&
		    cpumask_test(&sched_online_mask, cpu) &&
		    cpumask_test(mask, cpu) && sum < best_sum) {
			best_sum = sum;
			best = cpu;
		}
	}
	if (best >= 0 && best_sum + bw <= bound) {
		*home = best;
		return 0;
	}
	best_sum = UINT64_MAX;
	best = -1;
	for (int cpu = 0; cpu < sched_nr_cpus; cpu++) {
		uint64_t sum = dl_cpu_bw(cpu) - (cpu == old_cpu ? old_bw : 0);

		if (cpumask_test(&sched_online_mask, cpu) &&
		    cpumask_test(mask, cpu) && sum < best_sum) {
			best_sum = sum;
			best = cpu;
		}
	}
	if (best < 0)
		return -EINVAL;
	if (best_sum + bw > bound)
		return -EBUSY;
	*home = best;
	return 0;
}

/*
 * At 2 .. 1024 CPUs, admissions, moves and exits in random order with
 * random masks (whole machine, one block, a few CPUs, straddling blocks)
 * and random nodes (none, or one of the machine's): the block summaries
 * never disagree with the sums, and every home chosen (or refusal) is
 * the one the whole scan chooses, node first. Bandwidths are multiples
 * of a few quanta, so equal sums (the lowest-id tie) are common, and
 * nodes fill up, so the fallback to the whole mask is exercised.
 */
static void test_home_search_matches_scan_at_scale(void **state)
{
	/* CPUs, and packages x cores x threads with nodes (0: flat). */
	static const struct {
		int n, packages, cores, smt, nodes;
	} sizes[] = { { 2, 0, 0, 0, 0 },	  { 8, 0, 0, 0, 0 },
		      { 65, 0, 0, 0, 0 },	  { 130, 0, 0, 0, 0 },
		      { 1024, 0, 0, 0, 0 },	  { 8, 2, 2, 2, 2 },
		      { 64, 2, 16, 2, 2 },	  { 128, 2, 32, 2, 4 },
		      { 1024, 8, 64, 2, 8 } };
	static int home_of[256];
	static uint64_t bw_of[256];
	uint64_t rs = 0xd1ce;
	int node_first = 0, fallback = 0;

	(void)state;
	for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		int n = sizes[si].n, nodes = sizes[si].nodes;
		struct sim_spec *p = spec_new(n, 10 * MS, 1 * MS);
		struct sim *s;

		p->packages = sizes[si].packages;
		p->cores = sizes[si].cores;
		p->smt = sizes[si].smt;
		p->nodes = nodes;
		s = sim_new();
		assert_int_equal(s->nr_nodes, nodes ? nodes : 1);
		arch_spin_lock(&sched_attr_lock);
		for (int i = 0; i < 256; i++)
			home_of[i] = -1;
		for (int step = 0; step < 3000; step++) {
			int i = (int)(test_rand(&rs) % 256), home = -1, ref = -1;
			uint64_t bw = (1 + test_rand(&rs) % 4) *
				      (SCHED_BW_ONE / 8);
			struct cpumask m;
			int kind = (int)(test_rand(&rs) % 4);
			int a = (int)(test_rand(&rs) % n), e1, e2;
			int node = nodes ? (int)(test_rand(&rs) % (nodes + 1)) -
						   1 :
					   -1;

			cpumask_clear(&m);
			if (kind == 0)
				cpumask_fill(&m, n);
			for (int c = a; kind == 1 && c < n && c < a + 64; c++)
				cpumask_set(&m, c);
			for (int k = 0; kind >= 2 && k < 3; k++)
				cpumask_set(&m, (int)(test_rand(&rs) % n));
			if (home_of[i] >= 0 && test_rand(&rs) % 3 == 0) {
				/* Exit. */
				dl_bw_release(home_of[i], bw_of[i]);
				home_of[i] = -1;
			} else {
				int old = home_of[i];
				uint64_t old_bw = old >= 0 ? bw_of[i] : 0;

				e1 = ref_admit(bw, &m, old, old_bw,
					       nodes ? s->topo : NULL, node,
					       &ref);
				e2 = dl_admit(bw, &m, old, old_bw, node,
					      &home);
				assert_int_equal(e2, e1);
				if (!e2) {
					assert_int_equal(home, ref);
					if (node >= 0 && home != old)
						s->topo[home].node == node ?
							node_first++ :
							fallback++;
					if (old >= 0)
						dl_bw_release(old, old_bw);
					dl_bw_charge(home, bw);
					home_of[i] = home;
					bw_of[i] = bw;
				}
			}
			assert_int_equal(dl_check_blocks(), 0);
		}
		for (int i = 0; i < 256; i++)
			if (home_of[i] >= 0)
				dl_bw_release(home_of[i], bw_of[i]);
		arch_spin_unlock(&sched_attr_lock);
		sim_destroy(s);
	}
	/* Both branches of the node-first rule were taken. */
	print_message("node first %d, fallback %d\n", node_first, fallback);
	assert_true(node_first > 100);
	assert_true(fallback > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_partitioned_sets_never_miss),
		cmocka_unit_test(test_admission_refuses_over_bound),
		cmocka_unit_test(test_worst_fit_homes),
		cmocka_unit_test(test_home_search_matches_scan_at_scale),
		cmocka_unit_test(test_cbs_isolation),
		cmocka_unit_test(test_cbs_blocked_while_throttled_gets_no_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
