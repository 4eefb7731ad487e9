// SPDX-License-Identifier: MIT
/*
 * The domains attached to the scheduler (sched/topo.c): the idle masks
 * and counts against the run queues, and the order of wake-up placement
 * on a 2 x 4 x 2 machine (2 packages = 2 nodes = 2 LLCs, 4 cores of 2
 * threads each: CPUs 0-7 node 0, 8-15 node 1, siblings 2k and 2k+1).
 *
 * The masks are checked after every simulated event by sched_check_all()
 * (sched_topo_check), so every scenario run with checks is a test of
 * them; here a mixed load runs on the SMT machine, and a corrupted mask,
 * count or core bit is shown to be caught (the check can fail).
 *
 * Read next: sched/topo.c.
 */
#include "sim-helpers.h"

#include <stdio.h>
#include <stdlib.h>

#include "tools/schedsim/mcstats.h"

static struct sim_spec sp;

static struct sim *boot(const char *text)
{
	char err[256];
	struct sim *s;

	if (scenario_parse(text, &sp, err, sizeof(err)))
		fail_msg("scenario: %s", err);
	s = sim_create(&sp);
	assert_non_null(s);
	s->quiet = true;
	return s;
}

/* A fair thread that is neither queued nor running: what a wake-up
 * places. */
static struct thread probe;

static int place(int prev, int first, int last)
{
	memset(&probe, 0, sizeof(probe));
	probe.class = &fair_class;
	probe.policy = SCHED_POLICY_FAIR;
	probe.fair.weight = SCHED_NICE_0_WEIGHT;
	for (int c = first; c <= last; c++)
		cpumask_set(&probe.allowed, c);
	return fair_class.select_cpu(&probe, prev, sim_current->now_ns);
}

/* Hogs pinned to the CPUs listed, run until each has its CPU. */
static struct sim *busy(const char *cpus_list)
{
	static char text[4096];
	int len, n = 0;
	const char *p = cpus_list;

	len = snprintf(text, sizeof(text), "topology 2x4x2\nduration 50ms\n");
	while (*p) {
		int c = (int)strtol(p, (char **)&p, 10);

		len += snprintf(text + len, sizeof(text) - (size_t)len,
				"thread H%d fair cpus=%d\n", n++, c);
		while (*p == ',')
			p++;
	}
	struct sim *s = boot(text);

	assert_int_equal(sim_run_until(s, 1 * MS), 0);
	return s;
}

static void test_line_and_levels(void **state)
{
	char line[128];
	struct sim *s = busy("");

	(void)state;
	assert_non_null(sched_topo());
	sched_topology_line(line, sizeof(line));
	/* The node level spans what the LLC (the package) does: dropped. */
	assert_string_equal(line, "SMT 2, LLC 8, machine 16");
	assert_true(sched_topo()->has_smt);
	/* Once per sched_init. */
	assert_int_equal(sched_set_topology(s->topo, 16, NULL, 2), -EBUSY);
	sim_destroy(s);
}

static void test_prev_if_idle(void **state)
{
	struct sim *s = busy("0");

	(void)state;
	assert_int_equal(place(5, 0, 15), 5);
	assert_int_equal(place(12, 0, 15), 12);
	sim_destroy(s);
}

static void test_idle_core_before_idle_sibling(void **state)
{
	/* prev 0 busy; its sibling 1 idle; core 2-3 half busy; cores 4-5
	 * and 6-7 wholly idle: the first wholly idle core of the LLC, not
	 * the sibling (the flat rule took 1, the lowest idle CPU). */
	struct sim *s = busy("0,2");

	(void)state;
	assert_int_equal(place(0, 0, 15), 4);
	sim_destroy(s);
}

static void test_idle_sibling_before_remote_idle_core(void **state)
{
	/* Every core of node 0 has one busy thread: no idle core there, but
	 * idle siblings; node 1 is wholly idle. Never a remote node while a
	 * local CPU is idle; prev's own sibling before another idle CPU. */
	struct sim *s = busy("0,2,4,6");

	(void)state;
	assert_int_equal(place(0, 0, 15), 1);
	assert_int_equal(place(6, 0, 15), 7);
	sim_destroy(s);
}

static void test_remote_node_only_when_local_full(void **state)
{
	/* Node 0 full: the nearest other node's first idle core. */
	struct sim *s = busy("0,1,2,3,4,5,6,7,8");

	(void)state;
	assert_int_equal(place(3, 0, 15), 10);
	sim_destroy(s);
}

static void test_hard_affinity_may_send_it_remote(void **state)
{
	/* Local CPUs idle, but the thread may only run on node 1. */
	struct sim *s = busy("0");

	(void)state;
	assert_int_equal(place(0, 8, 15), 8);
	/* And the affinity is ANDed: only CPU 3 allowed, busy or not. */
	assert_int_equal(place(0, 3, 3), 3);
	sim_destroy(s);
}

static void test_no_idle_cpu_prev_unless_clearly_worse(void **state)
{
	/* Every CPU busy, CPU 0 twice: prev 0 has a load of two nice-0
	 * threads with the newcomer (three), the best of its LLC two:
	 * not clearly worse (one thread's load more at most)... */
	struct sim *s = busy("0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0");

	(void)state;
	assert_int_equal(place(0, 0, 15), 0);
	sim_destroy(s);
	/* ...but three on CPU 0 is: the least loaded CPU of its LLC. */
	s = busy("0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0,0");
	assert_int_equal(place(0, 0, 15), 1);
	/* A CPU of node 1 stays in node 1. */
	assert_int_equal(place(12, 0, 15), 12);
	sim_destroy(s);
}

/* Sleepers, hogs, RT and pinned threads on the SMT machine: every event
 * is followed by sched_check_all(), masks and counts included. */
static void test_masks_follow_the_run_queues(void **state)
{
	struct sim *s = boot(
		"topology 2x4x2\nduration 40ms\n"
		"thread S fair count=20 : run 300us sleep 700us loop\n"
		"thread H fair count=6 : run 5ms sleep 3ms loop\n"
		"thread R fifo prio=10 count=3 : run 200us sleep 2ms loop\n"
		"thread P fair cpus=3 count=2 : run 1ms sleep 1ms loop\n");

	(void)state;
	assert_true(s->check_each_event);
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(s->failures, 0);
	assert_true(s->events > 1000);
	assert_int_equal(sched_check_all(), 0);
	sim_destroy(s);
}

static void test_check_catches_a_wrong_mask(void **state)
{
	struct sim *s = busy("0,2");
	struct sched_topo *tp = sched_topo();
	struct sched_llc *l = &tp->llc[tp->cpu_llc[5]];

	(void)state;
	assert_int_equal(sched_check_all(), 0);
	/* A busy CPU marked idle. */
	cpumask_set(&l->idle_cpus, 2);
	assert_int_equal(sched_check_all(), -80);
	cpumask_unset(&l->idle_cpus, 2);
	assert_int_equal(sched_check_all(), 0);
	/* A count off by one. */
	tp->grp_idle[tp->sd.cpu[5].at_level[SD_LLC] - tp->sd.groups]++;
	assert_int_equal(sched_check_all(), -81);
	tp->grp_idle[tp->sd.cpu[5].at_level[SD_LLC] - tp->sd.groups]--;
	/* Core 0-1 is half busy: its bit must be clear. */
	cpumask_set(&l->idle_cores, 0);
	assert_int_equal(sched_check_all(), -82);
	cpumask_unset(&l->idle_cores, 0);
	/* A bit of the other LLC's CPU. */
	cpumask_set(&l->idle_curr, 9);
	assert_int_equal(sched_check_all(), -83);
	cpumask_unset(&l->idle_curr, 9);
	assert_int_equal(sched_check_all(), 0);
	sim_destroy(s);
}

static void test_undescribed_cpus_get_a_place(void **state)
{
	/* CPU 2 was not online when the topology was taken (-1 ids), CPU 3
	 * is beyond the description: each becomes a package, LLC and core
	 * of its own. CPU 3 comes online only after the domains are
	 * attached (a late AP) and enters the idle masks by itself. */
	struct sim *s;
	struct cpu_topo topo[3] = {
		{ .core = 0 }, { .core = 1 },
		{ .package = -1, .llc = -1, .core = -1, .node = -1 },
	};
	char line[128];
	struct sched_topo *tp;

	(void)state;
	s = boot("cpus 4\n");
	sched_init(4); /* forget the scenario's domains, as at boot */
	for (int c = 0; c < 3; c++) {
		s->this_cpu = c;
		sched_cpu_online(c, &s->cpu[c].idle);
	}
	s->this_cpu = 0;
	assert_null(sched_topo());
	assert_int_equal(sched_set_topology(topo, 3, NULL, 1), 0);
	tp = sched_topo();
	assert_non_null(tp);
	assert_int_equal(sched_check_all(), 0);
	assert_false(sched_topo_cpu_idle(tp, 3));
	s->this_cpu = 3;
	sched_cpu_online(3, &s->cpu[3].idle);
	s->this_cpu = 0;
	assert_true(sched_topo_cpu_idle(tp, 3));
	assert_int_equal(tp->grp_idle[tp->sd.machine - tp->sd.groups], 4);
	assert_int_equal(tp->sd.cpu[0].at_level[SD_LLC]->weight, 2);
	assert_int_equal(tp->sd.cpu[2].at_level[SD_LLC]->weight, 1);
	assert_int_equal(tp->sd.cpu[3].at_level[SD_LLC]->weight, 1);
	assert_int_equal(sched_domains_common_level(&tp->sd, 2, 3),
			 SD_MACHINE);
	sched_topology_line(line, sizeof(line));
	assert_string_equal(line, "LLC 2, machine 4");
	assert_int_equal(sched_check_all(), 0);
	/* Every CPU is idle; near CPU 0 first, the loners last. */
	assert_int_equal(place(1, 0, 3), 1);
	assert_int_equal(place(0, 2, 3), 2);
	sim_destroy(s);
}

/* schedsim's report of wake-up placements by level (mcstats.c): X last
 * ran on CPU 0; while it sleeps, pinned hogs fill node 0 (CPUs 0-1), so
 * its wake-up goes to node 1 (one cross-node wake-up, before the settle
 * time); its next wake-up finds its CPU idle. */
static void test_report_counts_wake_placements(void **state)
{
	struct sim *s = boot("topology 2x2x1\nduration 10ms\n"
			     "thread X fair : run 400us sleep 2600us loop\n"
			     "thread H fair cpus=0 arrive=500us\n"
			     "thread G fair cpus=1 arrive=500us\n");

	(void)state;
	assert_int_equal(sim_stats_attach(s, 0), 0);
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(s->stats->wake_by_level[SIM_MIG_REMOTE], 1);
	assert_int_equal(s->stats->wake_by_level[SIM_MIG_NODE], 0);
	assert_int_equal(s->stats->wake_by_level[SIM_MIG_LLC], 0);
	assert_int_equal(s->stats->wake_by_level[SIM_MIG_CORE], 0);
	assert_int_equal(s->stats->wake_remote_settled, 0);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_and_levels),
		cmocka_unit_test(test_prev_if_idle),
		cmocka_unit_test(test_idle_core_before_idle_sibling),
		cmocka_unit_test(test_idle_sibling_before_remote_idle_core),
		cmocka_unit_test(test_remote_node_only_when_local_full),
		cmocka_unit_test(test_hard_affinity_may_send_it_remote),
		cmocka_unit_test(test_no_idle_cpu_prev_unless_clearly_worse),
		cmocka_unit_test(test_masks_follow_the_run_queues),
		cmocka_unit_test(test_check_catches_a_wrong_mask),
		cmocka_unit_test(test_undescribed_cpus_get_a_place),
		cmocka_unit_test(test_report_counts_wake_placements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
