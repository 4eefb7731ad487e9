// SPDX-License-Identifier: MIT
/*
 * The RT class through the simulator: strict priority order, immediate
 * preemption of fair work (local and by IPI), RR slices vs FIFO, the
 * throttle, and "the most urgent runnable work runs somewhere" checked
 * after every event of a mixed multi-CPU run.
 *
 * Read next: deadline-test.c.
 */
#include "sim-helpers.h"

/* Three RT threads of different priority and a fair one arrive together
 * on one CPU: they run strictly by priority, fair last. */
static void test_strict_order(void **state)
{
	struct sim_spec *sp = spec_new(1, 6 * MS, 1 * MS);
	struct sim_thread_spec *t;
	struct sim *s;
	const char *want = "HMLF";

	(void)state;
	t = spec_thread(sp, "L", SCHED_POLICY_FIFO);
	t->attr.rt_priority = 10;
	spec_action(t, SIM_ACT_RUN, 1 * MS);
	t = spec_thread(sp, "F", SCHED_POLICY_FAIR);
	spec_action(t, SIM_ACT_RUN, 1 * MS);
	t = spec_thread(sp, "M", SCHED_POLICY_RR);
	t->attr.rt_priority = 50;
	spec_action(t, SIM_ACT_RUN, 1 * MS);
	t = spec_thread(sp, "H", SCHED_POLICY_FIFO);
	t->attr.rt_priority = 99;
	spec_action(t, SIM_ACT_RUN, 1 * MS);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	for (int r = 0; r < 4; r++) {
		int idx = s->table[r];

		assert_true(idx >= 0);
		assert_int_equal(s->threads[idx].spec.name[0], want[r]);
	}
	assert_int_equal(s->table[4], -1); /* then idle */
	sim_destroy(s);
}

/* An RT thread woken while every CPU runs fair work runs at once. */
static void test_rt_preempts_fair_remote(void **state)
{
	struct sim_spec *sp = spec_new(2, 50 * MS, 1 * MS);
	struct sim_thread_spec *r;
	struct sim *s;

	(void)state;
	spec_thread(sp, "A", SCHED_POLICY_FAIR);
	spec_thread(sp, "B", SCHED_POLICY_FAIR);
	r = spec_thread(sp, "R", SCHED_POLICY_FIFO);
	r->attr.rt_priority = 40;
	r->arrive_ns = 3 * MS + 500 * US;
	spec_pin(r, 1, 1);
	r->spawn_cpu = 0; /* woken from cpu0: needs an IPI to cpu1 */
	r->has_spawn_cpu = true;
	spec_action(r, SIM_ACT_RUN, 1 * MS);
	spec_action(r, SIM_ACT_SLEEP, 4 * MS);
	spec_action(r, SIM_ACT_LOOP, 0);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(T(s, "R")->t.stats.wait_ns, 0);
	assert_int_equal(T(s, "R")->t.stats.run_ns, 10 * MS);
	{
		struct sched_cpu_stats c0;

		sched_cpu_stats(0, &c0);
		assert_true(c0.ipis_sent >= 1);
	}
	sim_destroy(s);
}

/* RR rotates equals every slice; FIFO does not. */
static void test_rr_and_fifo(void **state)
{
	struct sim_spec *sp = spec_new(1, 100 * MS, 1 * MS);
	struct sim *s;

	(void)state;
	spec_set(sp, "rr_slice_ns", 10 * MS);
	spec_thread(sp, "R1", SCHED_POLICY_RR)->attr.rt_priority = 5;
	spec_thread(sp, "R2", SCHED_POLICY_RR)->attr.rt_priority = 5;
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(T(s, "R1")->t.stats.run_ns, 50 * MS);
	assert_int_equal(T(s, "R2")->t.stats.run_ns, 50 * MS);
	assert_int_equal(s->table[0], s->table[9]);
	assert_int_not_equal(s->table[9], s->table[10]);
	sim_destroy(s);

	sp = spec_new(1, 100 * MS, 1 * MS);
	spec_thread(sp, "F1", SCHED_POLICY_FIFO)->attr.rt_priority = 5;
	spec_thread(sp, "F2", SCHED_POLICY_FIFO)->attr.rt_priority = 5;
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(T(s, "F1")->t.stats.run_ns, 100 * MS);
	assert_int_equal(T(s, "F2")->t.stats.run_ns, 0);
	sim_destroy(s);
}

/* A runaway RT thread is throttled; the fair thread gets the rest. */
static void test_throttle(void **state)
{
	struct sim_spec *sp = spec_new(1, 2000 * MS, 10 * MS);
	struct sim *s;

	(void)state;
	spec_thread(sp, "R", SCHED_POLICY_FIFO)->attr.rt_priority = 90;
	spec_thread(sp, "F", SCHED_POLICY_FAIR);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	assert_int_equal(T(s, "R")->t.stats.run_ns, 1900 * MS);
	assert_int_equal(T(s, "F")->t.stats.run_ns, 100 * MS);
	assert_int_equal(T(s, "R")->t.stats.throttle_events, 2);
	sim_destroy(s);
}

/* After every quiet event (no IPI in flight): no queued RT thread is more
 * urgent than what runs on a CPU it may use, unless RT is throttled there. */
static void check_urgent_runs(struct sim *s, void *arg)
{
	(void)arg;
	for (int c = 0; c < s->spec.ncpus; c++)
		if (s->cpu[c].ipi_pending)
			return;
	for (int src = 0; src < s->spec.ncpus; src++) {
		struct rq *rq = cpu_rq(src);
		int p = rt_highest_queued_prio(rq);
		struct list_node *pos;

		if (p < 0)
			continue;
		list_for_each(pos, &rq->rt.queue[p]) {
			struct thread *t = container_of(pos, struct thread,
							rt.node);
			for (int c = 0; c < s->spec.ncpus; c++) {
				if (!thread_can_run_on(t, c) ||
				    cpu_rq(c)->rt.throttled)
					continue;
				if (thread_rank(cpu_rq(c)->curr) < thread_rank(t)) {
					fprintf(stderr, "%s (prio %d) waits on cpu%d "
						"while cpu%d runs %s\n", t->name,
						p, src, c, cpu_rq(c)->curr->name);
					s->failures++;
					return;
				}
			}
		}
	}
}

static void test_highest_priority_runs_somewhere(void **state)
{
	struct sim_spec *sp = spec_new(3, 500 * MS, 1 * MS);
	uint64_t seed = 42;
	struct sim *s;

	(void)state;
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "F%d", i);
		spec_thread(sp, name, SCHED_POLICY_FAIR);
	}
	for (int i = 0; i < 6; i++) {
		char name[16];
		struct sim_thread_spec *t;

		snprintf(name, sizeof(name), "R%d", i);
		t = spec_thread(sp, name, i % 2 ? SCHED_POLICY_RR :
						  SCHED_POLICY_FIFO);
		t->attr.rt_priority = (int)(test_rand(&seed) % 100);
		t->arrive_ns = test_rand(&seed) % (20 * MS);
		if (i == 5)
			spec_pin(t, 2, 2);
		spec_action(t, SIM_ACT_RUN, (test_rand(&seed) % 3000 + 100) * US);
		spec_action(t, SIM_ACT_SLEEP, (test_rand(&seed) % 5000 + 100) * US);
		spec_action(t, SIM_ACT_LOOP, 0);
	}
	s = sim_new();
	s->after_event = check_urgent_runs;
	assert_int_equal(sim_run(s), 0);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_order),
		cmocka_unit_test(test_rt_preempts_fair_remote),
		cmocka_unit_test(test_rr_and_fifo),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_highest_priority_runs_somewhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
