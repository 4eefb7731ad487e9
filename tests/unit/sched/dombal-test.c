// SPDX-License-Identifier: MIT
/*
 * Balancing through the domains (sched/balance.c, docs/scheduler.md
 * "Balancing through domains"): the group summaries and their whole-state
 * check (it must be able to fail), and the decisions on small topologies
 * in the simulator: the new-idle pull takes from the SMT sibling before
 * the LLC and from the LLC before another node, the rotation of evenly
 * loaded LLCs never crosses them, and a machine whose one LLC is every CPU
 * decides exactly as without domains.
 *
 * Read next: sched/balance.c.
 */
#include "sim-helpers.h"

#include <stdio.h>

#include "tools/schedsim/mcstats.h"

/* 2 packages (= nodes) x 2 cores x 2 threads: LLC = package (CPUs 0-3,
 * 4-7), cores {0,1} {2,3} {4,5} {6,7}. */
static struct sim_spec *spec_2x2x2(uint64_t duration_ns)
{
	struct sim_spec *p = spec_new(8, duration_ns, 1 * MS);

	p->packages = 2;
	p->cores = 2;
	p->smt = 2;
	return p;
}

static void test_summaries_checked(void **state)
{
	struct sim_spec *p = spec_2x2x2(20 * MS);
	struct balance_domains *bd;
	struct sim *s;
	int64_t saved;

	(void)state;
	for (int i = 0; i < 12; i++) {
		char name[16];
		struct sim_thread_spec *t;

		snprintf(name, sizeof(name), "F%d", i);
		t = spec_thread(p, name, SCHED_POLICY_FAIR);
		spec_action(t, SIM_ACT_RUN, 700 * US);
		spec_action(t, SIM_ACT_SLEEP, 300 * US);
		spec_action(t, SIM_ACT_LOOP, 0);
	}
	s = sim_new();
	/* Every event checked (sim.c), the summaries with the rest. */
	assert_int_equal(sim_run_until(s, 10 * MS), 0);
	bd = balance_domains;
	assert_non_null(bd);
	/* One cache line per summary, as the type says (arch_alloc gives
	 * only 16-byte alignment: a summary straddled two lines, shared with
	 * its neighbours'). */
	assert_int_equal((uintptr_t)bd->sums % 64, 0);
	/* The machine's summary counts every CPU's runnable threads. */
	{
		int64_t all = 0;

		for (int c = 0; c < 8; c++)
			all += cpu_rq(c)->nr_queued +
			       (cpu_rq(c)->curr != cpu_rq(c)->idle);
		assert_int_equal(bd->sums[bd->sd->machine - bd->sd->groups]
					 .c.nr_running,
				 all);
	}
	/* A lost update is caught: one group's sum off by one... */
	bd->sums[bd->sd->machine - bd->sd->groups].c.nr_queued_fair++;
	assert_int_equal(sched_check_all(), -61);
	bd->sums[bd->sd->machine - bd->sd->groups].c.nr_queued_fair--;
	assert_int_equal(sched_check_all(), 0);
	/* ... and so is a change a CPU never accounted. */
	saved = bd->cpu[3].added.fair_weight;
	bd->cpu[3].added.fair_weight += 1024;
	assert_int_equal(sched_check_all(), -60);
	bd->cpu[3].added.fair_weight = saved;
	assert_int_equal(sim_run(s), 0);
	sim_destroy(s);
}

/*
 * CPU 7 runs an RT thread X until 3 ms; RT hogs hold CPUs 0-6. Fair
 * waiters arrive at 1 ms, each allowed on CPU 7 and one other CPU (where
 * it waits behind that CPU's hog). When X sleeps, CPU 7's new-idle pull
 * chooses among them: returns the CPU the winner came from. (CPU 7, so
 * that the machine-wide order, lowest id first among equals, would pick
 * the farthest.)
 */
static int pulled_from(const int *others, int n)
{
	struct sim_spec *p = spec_2x2x2(6 * MS);
	struct sim_thread_spec *t;
	struct sim *s;
	int from = -1;

	t = spec_thread(p, "X", SCHED_POLICY_FIFO);
	t->attr.rt_priority = 10;
	spec_pin(t, 7, 7);
	spec_action(t, SIM_ACT_RUN, 3 * MS);
	spec_action(t, SIM_ACT_SLEEP, 100 * MS);
	for (int c = 0; c < 7; c++) {
		char name[16];

		snprintf(name, sizeof(name), "R%d", c);
		t = spec_thread(p, name, SCHED_POLICY_FIFO);
		t->attr.rt_priority = 10;
		spec_pin(t, c, c);
	}
	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "W%d", others[i]);
		t = spec_thread(p, name, SCHED_POLICY_FAIR);
		cpumask_clear(&t->mask);
		cpumask_set(&t->mask, 7);
		cpumask_set(&t->mask, others[i]);
		t->has_mask = true;
		t->arrive_ns = 1 * MS;
		t->spawn_cpu = others[i];
		t->has_spawn_cpu = true;
	}
	s = sim_new();
	assert_int_equal(sim_run_until(s, 2 * MS), 0);
	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "W%d", others[i]);
		/* Waiting where it was created, not on CPU 7. */
		assert_int_equal(sim_thread_by_name(s, name)->t.cpu, others[i]);
	}
	assert_int_equal(sim_run_until(s, 3 * MS + 500 * US), 0);
	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "W%d", others[i]);
		if (sim_thread_by_name(s, name)->t.cpu == 7) {
			assert_int_equal(from, -1); /* one pull */
			from = others[i];
		}
	}
	assert_int_equal(sim_run(s), 0);
	sim_destroy(s);
	return from;
}

static void test_pull_nearest_first(void **state)
{
	(void)state;
	/* The SMT sibling before the LLC and the other node. */
	assert_int_equal(pulled_from((const int[]){ 1, 4, 6 }, 3), 6);
	/* The LLC before the other node. */
	assert_int_equal(pulled_from((const int[]){ 1, 4 }, 2), 4);
	/* Another node only when nothing in this one may come. */
	assert_int_equal(pulled_from((const int[]){ 2 }, 1), 2);
}

/* Six fair hogs on 2 packages x 2 cores x 1 thread (an LLC and a node per
 * package): once the machine pass has evened the LLCs out (three threads
 * on two CPUs each), the rotation shares each LLC's CPUs and nothing
 * crosses nodes. (Without domains the rotation takes the longest-running
 * thread anywhere: hundreds of cross-node moves.) */
static void test_rotation_stays_in_llc(void **state)
{
	struct sim_spec *p = spec_new(4, 600 * MS, 1 * MS);
	struct sim *s;

	(void)state;
	p->packages = 2;
	p->cores = 2;
	p->smt = 1;
	/* The table's base (docs/many-cores.md): the machine pass every
	 * 128 ms evens out what placement left uneven at the start. */
	spec_set(p, "balance_interval_ns", 4 * MS);
	for (int i = 0; i < 6; i++) {
		char name[16];

		snprintf(name, sizeof(name), "H%d", i);
		spec_thread(p, name, SCHED_POLICY_FAIR);
	}
	s = sim_new();
	assert_int_equal(sim_stats_attach(s, 200 * MS), 0);
	assert_int_equal(sim_run(s), 0);
	/* It did rotate (inside the LLCs)... */
	assert_true(s->stats->by_level[SIM_MIG_LLC] > 20);
	/* ... every thread got its share (4 CPUs / 6 = 2/3 of 600 ms, once
	 * the LLCs were even: the first pass)... */
	for (int i = 0; i < 6; i++) {
		uint64_t run = s->threads[i].t.stats.run_ns;

		assert_true(run > 380 * MS && run < 420 * MS);
	}
	/* ... but never across nodes once settled. */
	assert_int_equal(s->stats->remote_settled, 0);
	sim_destroy(s);
}

/*
 * The summaries' fair capacity follows the RT/DL use as it decays with
 * time, not only at switches. 2 packages x 2 cores x 1 thread: CPU 0 runs
 * an RT thread for its first 100 ms, then (nothing queued there) one fair
 * hog without a switch. Were CPU 0's share of its LLC's capacity left as
 * accounted at that switch (about 1/10 of a CPU), its LLC would look
 * overloaded for good: the machine pass would keep two hogs per CPU in the
 * other LLC and one per CPU here (600 ms against 300 ms of 600).
 */
static void test_capacity_follows_decay(void **state)
{
	struct sim_spec *p = spec_new(4, 1000 * MS, 1 * MS);
	struct balance_domains *bd;
	struct sim_thread_spec *t;
	uint64_t at[6];
	struct sim *s;

	(void)state;
	p->packages = 2;
	p->cores = 2;
	p->smt = 1;
	spec_set(p, "balance_interval_ns", 4 * MS);
	t = spec_thread(p, "X", SCHED_POLICY_FIFO);
	t->attr.rt_priority = 10;
	spec_pin(t, 0, 0);
	spec_action(t, SIM_ACT_RUN, 100 * MS);
	spec_action(t, SIM_ACT_SLEEP, 10000 * MS);
	for (int i = 0; i < 6; i++) {
		char name[16];

		snprintf(name, sizeof(name), "H%d", i);
		t = spec_thread(p, name, SCHED_POLICY_FAIR);
		t->arrive_ns = 50 * MS;
	}
	s = sim_new();
	assert_int_equal(sim_run_until(s, 400 * MS), 0);
	/* 300 ms after the RT thread stopped (about ten half-lives of the
	 * average): every group's capacity within 5% of its CPUs' now. */
	bd = balance_domains;
	assert_non_null(bd);
	for (int g = 0; g < bd->sd->nr_groups; g++) {
		int64_t fresh = 0, summed = bd->sums[g].c.fair_capacity;

		for_each_cpu(c, &bd->sd->groups[g].span)
			fresh += rq_fair_capacity(cpu_rq(c), 400 * MS);
		if (summed * 100 < fresh * 95)
			print_message("group of cpu%d (%s): capacity %lld, "
				      "its CPUs now %lld\n",
				      bd->sd->groups[g].first_cpu,
				      sched_domain_level_name(
					      bd->sd->groups[g].level),
				      (long long)summed, (long long)fresh);
		assert_true(summed * 100 >= fresh * 95);
	}
	for (int i = 0; i < 6; i++)
		at[i] = T(s, (char[]){ 'H', (char)('0' + i), 0 })->t.stats.run_ns;
	assert_int_equal(sim_run(s), 0);
	/* The last 600 ms: 4 CPUs for 6 hogs, 2/3 each. */
	for (int i = 0; i < 6; i++) {
		uint64_t run = T(s, (char[]){ 'H', (char)('0' + i), 0 })
				       ->t.stats.run_ns - at[i];

		if (run < 360 * MS || run > 440 * MS)
			print_message("H%d: %llu ms of 600\n", i,
				      (unsigned long long)(run / MS));
		assert_true(run >= 360 * MS && run <= 440 * MS);
	}
	sim_destroy(s);
}

/*
 * A machine whose one LLC is every CPU that came up keeps no summaries,
 * even if it has possible CPUs that never came up (an MADT's
 * online-capable entries, an AP that failed to start): those get an LLC
 * of their own (topo.c), which made every small PC with such firmware pay
 * for the summaries at every event and balance through the domains.
 */
static void test_absent_cpus_keep_one_llc_flat(void **state)
{
	struct cpu_topo topo[3] = { { .core = 0 }, { .core = 1 },
				    { .core = 2 } };
	struct sim *s;

	(void)state;
	spec_new(4, 10 * MS, 1 * MS);
	s = sim_new();
	sched_init(4); /* forget the scenario's domains, as at boot */
	for (int c = 0; c < 3; c++) {
		s->this_cpu = c;
		sched_cpu_online(c, &s->cpu[c].idle);
	}
	s->this_cpu = 0;
	assert_int_equal(sched_set_topology(topo, 3, NULL, 1), 0);
	/* CPU 3 got a place of its own: two LLCs in the tree... */
	assert_int_equal(sched_topo()->sd.cpu[3].at_level[SD_LLC]->weight, 1);
	/* ... but balancing stays the machine-wide code, no summaries. */
	assert_null(balance_domains);
	/* A late CPU 3 then balances machine-wide like the others. */
	s->this_cpu = 3;
	sched_cpu_online(3, &s->cpu[3].idle);
	s->this_cpu = 0;
	assert_int_equal(sched_check_all(), 0);
	sim_destroy(s);
}

/*
 * The early pass for an idle CPU elsewhere moves a waiter only to a CPU
 * that is idle and allowed. 2 packages x 2 cores: hogs pinned to CPUs 0
 * and 2, W allowed on 0 and 2 only, CPUs 1 and 3 idle (nothing may run
 * there). Each group shows an idle CPU W may not use; moving W to the
 * other group's busy CPU gains nothing, and did so at every tick of the
 * CPU it waited on, back and forth across the nodes, before the rotation
 * there let it run: W ran 3 ms of 500, with 512 migrations.
 */
static void test_idle_pass_needs_allowed_idle_cpu(void **state)
{
	struct sim_spec *p = spec_new(4, 500 * MS, 1 * MS);
	struct sim_thread_spec *t;
	struct sim *s;

	(void)state;
	p->packages = 2;
	p->cores = 2;
	p->smt = 1;
	t = spec_thread(p, "A", SCHED_POLICY_FAIR);
	spec_pin(t, 0, 0);
	t = spec_thread(p, "B", SCHED_POLICY_FAIR);
	spec_pin(t, 2, 2);
	t = spec_thread(p, "W", SCHED_POLICY_FAIR);
	cpumask_clear(&t->mask);
	cpumask_set(&t->mask, 0);
	cpumask_set(&t->mask, 2);
	t->has_mask = true;
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	/* W shares a CPU with its hog (half of 500 ms), and settles. */
	if (T(s, "W")->t.stats.run_ns < 200 * MS ||
	    T(s, "W")->t.stats.migrations > 8)
		print_message("W: ran %llu ms, %llu migrations\n",
			      (unsigned long long)(T(s, "W")->t.stats.run_ns /
						   MS),
			      (unsigned long long)T(s, "W")->t.stats.migrations);
	assert_true(T(s, "W")->t.stats.run_ns >= 200 * MS);
	assert_true(T(s, "W")->t.stats.migrations <= 8);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summaries_checked),
		cmocka_unit_test(test_pull_nearest_first),
		cmocka_unit_test(test_rotation_stays_in_llc),
		cmocka_unit_test(test_capacity_follows_decay),
		cmocka_unit_test(test_absent_cpus_keep_one_llc_flat),
		cmocka_unit_test(test_idle_pass_needs_allowed_idle_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
