// SPDX-License-Identifier: MIT
/*
 * schedsim at many cores: the topology directives (parsing, errors, the
 * per-CPU ids they give), the --stats reports of tools/schedsim/mcstats.c
 * (work conservation measured against an independent tally, migrations
 * by level), and the many-core scenarios: the small ones with every
 * checker after every event, a 1024-CPU one without (seconds, not
 * minutes).
 *
 * Read next: tools/schedsim/mcstats.h.
 */
#include "sim-helpers.h"

#include <stdio.h>
#include <stdlib.h>

#include "tools/schedsim/mcstats.h"

static struct sim_spec sp;

static void expect_error(const char *text, const char *want)
{
	char err[256];

	assert_int_equal(scenario_parse(text, &sp, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("'%s': error '%s', want '%s'", text, err, want);
}

static void test_topology_directives(void **state)
{
	char err[256];
	struct cpu_topo topo[32];

	(void)state;
	assert_int_equal(scenario_parse("topology 2x4x2\nnuma 4\nllc 1\n"
					"thread W fair count=3 node=3 : run 1ms\n",
					&sp, err, sizeof(err)),
			 0);
	assert_int_equal(sp.ncpus, 16);
	assert_int_equal(sp.nthreads, 3);
	assert_string_equal(sp.threads[0].name, "W0");
	assert_string_equal(sp.threads[2].name, "W2");
	/* Node 3 is package 1's second half: cores 6-7, CPUs 12-15. */
	for (int c = 0; c < 16; c++)
		assert_int_equal(cpumask_test(&sp.threads[1].mask, c), c >= 12);
	assert_int_equal(sim_spec_topology(&sp, topo), 4);
	assert_int_equal(topo[13].core, 6);
	assert_int_equal(topo[13].package, 1);
	assert_int_equal(topo[13].node, 3);
	assert_int_equal(topo[13].llc, topo[12].llc);
	assert_true(topo[13].llc != topo[11].llc);
	/* Default: a node per package, the LLC the whole package. */
	assert_int_equal(scenario_parse("cpus 32\ntopology 2x8x2\n", &sp, err,
					sizeof(err)),
			 0);
	assert_int_equal(sim_spec_topology(&sp, topo), 2);
	assert_int_equal(topo[15].llc, topo[0].llc);
	assert_int_equal(topo[16].node, 1);
	/* Two packages in one node. */
	assert_int_equal(scenario_parse("topology 2x2x1\nnuma 1\n", &sp, err,
					sizeof(err)),
			 0);
	assert_int_equal(sim_spec_topology(&sp, topo), 1);
	assert_int_equal(topo[3].node, 0);
	assert_int_equal(topo[3].package, 1);
	/* No topology: one core per CPU, one LLC, one node. */
	assert_int_equal(scenario_parse("cpus 3\n", &sp, err, sizeof(err)), 0);
	assert_int_equal(sim_spec_topology(&sp, topo), 1);
	assert_int_equal(topo[2].core, 2);
	assert_int_equal(topo[2].llc, topo[0].llc);

	expect_error("topology 2x8\n", "line 1: topology PACKAGESxCORESxTHREADS");
	expect_error("\ntopology 0x8x2\n", "line 2: topology");
	expect_error("topology 2xx2\n", "line 1: topology");
	expect_error("topology 8x64x4\n", "2048 CPUs, more than 1024");
	expect_error("cpus 16\ntopology 2x4x1\n",
		     "line 1: cpus 16 but the topology has 8");
	expect_error("topology 4x8x2\nnuma 3\n",
		     "line 2: numa 3 does not divide 4 packages");
	expect_error("topology 2x6x2\nnuma 8\n",
		     "line 2: numa 8 does not split 2 packages of 6 cores evenly");
	expect_error("topology 1x8x2\nllc 3\n",
		     "line 2: llc 3 does not divide the 8 cores of a node");
	expect_error("topology 1x8x2\nnuma 2\nllc 8\n",
		     "line 3: llc 8 does not divide the 4 cores of a node");
	expect_error("numa 2\n", "line 1: numa and llc need a topology line");
	expect_error("numa 0\n", "line 1: numa must be 1..");
	expect_error("topology 1x2x2\nthread A fair node=1\n",
		     "thread A: node=1 but 1 node(s)");
	expect_error("thread A fair count=0\n", "line 1: bad count '0'");
	expect_error("thread ABCDEFGHIJK fair count=2\n", "longer than 10");
	expect_error("thread A fair node=0 cpus=1\n", "node= and cpus=");
}

/* ---- Work conservation, against a tally of our own ------------------------ */

struct tally {
	struct sim_thread *x;	/* the waiter we made movable */
	uint64_t since;		/* UINT64_MAX: condition false */
	uint64_t total;
};

/* After every event: is x queued (not running) while CPU 1 is idle? The
 * state holds until the next event, so the tally adds whole intervals. */
static void tally_event(struct sim *s, void *arg)
{
	struct tally *t = arg;
	bool wasting = t->x->t.state == THREAD_RUNNABLE && t->x->on_cpu < 0 &&
		       s->cpu[1].curr == &s->cpu[1].idle;

	if (wasting && t->since == UINT64_MAX)
		t->since = s->now_ns;
	else if (!wasting && t->since != UINT64_MAX) {
		t->total += s->now_ns - t->since;
		t->since = UINT64_MAX;
	}
}

static void test_work_conservation_measured(void **state)
{
	struct sim_spec *p = spec_new(2, 30 * MS, 1 * MS);
	struct tally t = { .since = UINT64_MAX };
	struct sim_thread_spec *a, *b;
	struct sim *s;

	(void)state;
	a = spec_thread(p, "A", SCHED_POLICY_FAIR);
	spec_pin(a, 0, 0);
	b = spec_thread(p, "B", SCHED_POLICY_FAIR);
	spec_pin(b, 0, 0);
	b->arrive_ns = 1 * MS;
	s = sim_new();
	/* The hack below breaks the scheduler's own rule on purpose. */
	s->check_work_conserving = false;
	assert_int_equal(sim_stats_attach(s, 0), 0);
	assert_int_equal(sim_run_until(s, 2 * MS + 300 * US), 0);
	/* Both pinned to CPU 0: one waits, but not for CPU 1. */
	assert_int_equal(s->stats->wc_waste_ns, 0);
	t.x = T(s, "A")->on_cpu < 0 ? T(s, "A") : T(s, "B");
	assert_int_equal(t.x->t.state, THREAD_RUNNABLE);
	/* Let the waiter use CPU 1 behind the scheduler's back (no kick):
	 * CPU 1 now idles while an allowed waiter waits, until some later
	 * decision (a rotation, the periodic pass) notices. */
	cpumask_set(&t.x->t.allowed, 1);
	tally_event(s, &t);
	s->after_event = tally_event;
	s->after_event_arg = &t;
	assert_int_equal(sim_run(s), 0);
	if (t.since != UINT64_MAX)
		t.total += s->now_ns - t.since;
	print_message("waste %llu ns, tally %llu ns, %llu stretches\n",
		      (unsigned long long)s->stats->wc_waste_ns,
		      (unsigned long long)t.total,
		      (unsigned long long)s->stats->wc_stretches);
	assert_true(t.total > 0);
	assert_int_equal(s->stats->wc_waste_ns, t.total);
	assert_true(s->stats->wc_worst_ns > 0);
	assert_true(s->stats->wc_worst_ns <= t.total);
	/* The JSON form carries the same figure. */
	{
		char *buf = NULL, want[64];
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		sim_stats_json(s, "wc", f);
		fclose(f);
		snprintf(want, sizeof(want), "\"waste_ns\": %llu,",
			 (unsigned long long)t.total);
		assert_non_null(strstr(buf, want));
		assert_non_null(strstr(buf, "\"per_thread\": ["));
		free(buf);
	}
	sim_destroy(s);
}

/* ---- Migrations by level ---------------------------------------------------- */

static void move_to(struct sim *s, const char *name, int cpu, uint64_t until)
{
	struct cpumask m;

	cpumask_clear(&m);
	cpumask_set(&m, cpu);
	assert_int_equal(thread_set_affinity(&T(s, name)->t, &m), 0);
	assert_int_equal(sim_run_until(s, until), 0);
	assert_int_equal(T(s, name)->on_cpu, cpu);
}

static void test_migrations_by_level(void **state)
{
	struct sim_spec *p = spec_new(8, 20 * MS, 1 * MS);
	struct sim_thread_spec *m;
	struct sim *s;

	(void)state;
	/* 2 packages x 2 cores x 2 threads, a node per package, an LLC per
	 * core: CPU 0->1 core, 1->2 node (same package, other LLC), 2->4
	 * remote, 4->5 core. */
	p->packages = 2;
	p->cores = 2;
	p->smt = 2;
	p->llc_cores = 1;
	m = spec_thread(p, "M", SCHED_POLICY_FAIR);
	spec_pin(m, 0, 0);
	s = sim_new();
	assert_int_equal(sim_stats_attach(s, 10 * MS), 0);
	assert_int_equal(sim_mig_level(s, 0, 1), SIM_MIG_CORE);
	assert_int_equal(sim_mig_level(s, 1, 2), SIM_MIG_NODE);
	assert_int_equal(sim_mig_level(s, 3, 4), SIM_MIG_REMOTE);
	assert_int_equal(sim_run_until(s, 1 * MS), 0);
	move_to(s, "M", 1, 2 * MS);
	move_to(s, "M", 2, 3 * MS);
	move_to(s, "M", 4, 11 * MS);
	move_to(s, "M", 0, 12 * MS); /* remote, after settling */
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(s->stats->by_level[SIM_MIG_CORE], 1);
	assert_int_equal(s->stats->by_level[SIM_MIG_LLC], 0);
	assert_int_equal(s->stats->by_level[SIM_MIG_NODE], 1);
	assert_int_equal(s->stats->by_level[SIM_MIG_REMOTE], 2);
	assert_int_equal(s->stats->remote_settled, 1);
	assert_int_equal(s->stats->thr[0].by_level[SIM_MIG_REMOTE], 2);
	sim_destroy(s);

	/* A spec built in code with a topology that does not divide (or
	 * does not match cpus) is refused, not divided by zero. */
	p = spec_new(8, 5 * MS, 1 * MS);
	p->packages = 2;
	p->cores = 2;
	p->smt = 2;
	p->nodes = 8; /* 4 nodes per package of 2 cores */
	assert_null(sim_create(p));
	p->nodes = 0;
	p->llc_cores = 3;
	assert_null(sim_create(p));
	p->llc_cores = 0;
	p->smt = 1;
	assert_null(sim_create(p));

	/* One LLC per package: core 0 -> core 1 is an LLC move. */
	p = spec_new(8, 5 * MS, 1 * MS);
	p->packages = 2;
	p->cores = 2;
	p->smt = 2;
	m = spec_thread(p, "M", SCHED_POLICY_FAIR);
	spec_pin(m, 0, 0);
	s = sim_new();
	assert_int_equal(sim_stats_attach(s, 0), 0);
	assert_int_equal(sim_run_until(s, 1 * MS), 0);
	move_to(s, "M", 2, 2 * MS);
	assert_int_equal(s->stats->by_level[SIM_MIG_LLC], 1);
	sim_destroy(s);
}

/* ---- The scenarios ------------------------------------------------------------ */

static struct sim *run_file(const char *name, bool check)
{
	char path[160], err[256], *text;
	struct sim *s;

	snprintf(path, sizeof(path), "tools/schedsim/scenarios/many/%s.sched",
		 name);
	text = slurp(path);
	if (scenario_parse(text, &sp, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	free(text);
	s = sim_create(&sp);
	assert_non_null(s);
	s->quiet = true;
	s->check_each_event = check;
	s->check_work_conserving = check;
	assert_int_equal(sim_stats_attach(s, 0), 0);
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(s->failures, 0);
	return s;
}

/* The small scenarios under every checker; the current scheduler wastes
 * no CPU time next to an allowed waiter (its idle kick) and misses no
 * deadline. */
static void test_small_scenarios_checked(void **state)
{
	static const char *const files[] = { "sleepers-8", "rtdl-mix-8",
					     "jobs-per-node-64" };

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct sim *s = run_file(files[i], true);

		assert_int_equal(s->stats->wc_waste_ns, 0);
		for (int k = 0; k < s->nthreads; k++) {
			assert_int_equal(s->threads[k].create_err, 0);
			assert_int_equal(s->threads[k].t.stats.dl_misses, 0);
			assert_true(s->threads[k].t.stats.run_ns > 0);
		}
		sim_destroy(s);
	}
}

/* 1024 CPUs in a couple of seconds: every CPU gets a thread. */
static void test_1024_cpus(void **state)
{
	char err[256];
	struct sim *s;
	int ran = 0;

	(void)state;
	assert_int_equal(scenario_parse("topology 8x64x2\nllc 16\n"
					"duration 3ms\n"
					"thread S fair count=1024 : run 200us "
					"sleep 1ms loop\n",
					&sp, err, sizeof(err)),
			 0);
	assert_int_equal(sp.ncpus, 1024);
	s = sim_create(&sp);
	assert_non_null(s);
	s->quiet = true;
	s->check_each_event = false;
	s->check_work_conserving = false;
	assert_int_equal(sim_stats_attach(s, 0), 0);
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(s->nr_nodes, 8);
	for (int c = 0; c < 1024; c++) {
		struct sched_cpu_stats cs;

		sched_cpu_stats(c, &cs);
		ran += cs.busy_ns > 0;
	}
	assert_int_equal(ran, 1024);
	assert_int_equal(s->stats->wc_waste_ns, 0);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topology_directives),
		cmocka_unit_test(test_work_conservation_measured),
		cmocka_unit_test(test_migrations_by_level),
		cmocka_unit_test(test_small_scenarios_checked),
		cmocka_unit_test(test_1024_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
