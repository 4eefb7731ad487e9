// SPDX-License-Identifier: MIT
/*
 * The simulator's own contract: scenario parsing (errors name the line),
 * the issue-5 table for 4 CPUs / 5 threads (golden output), the trace
 * format, tunable validation, and that every shipped scenario runs clean.
 *
 * Read next: docs/scheduler.md.
 */
#include "sim-helpers.h"

#include <stdlib.h>

static void test_parse(void **state)
{
	static struct sim_spec sp;
	char err[256];
	uint64_t ns;

	(void)state;
	assert_int_equal(scenario_parse_duration("10ms", &ns), 0);
	assert_int_equal(ns, 10 * MS);
	assert_int_equal(scenario_parse_duration("250us", &ns), 0);
	assert_int_equal(ns, 250 * US);
	assert_int_equal(scenario_parse_duration("3s", &ns), 0);
	assert_int_equal(ns, 3 * NSEC_PER_SEC);
	assert_int_equal(scenario_parse_duration("17", &ns), 0);
	assert_int_equal(ns, 17);
	assert_int_equal(scenario_parse_duration("5 ms", &ns), -1);
	assert_int_equal(scenario_parse_duration("ms", &ns), -1);
	assert_int_equal(scenario_parse_duration("3h", &ns), -1);

	assert_int_equal(scenario_parse("cpus 2\n# c\n\nthread A fair nice=-3 "
					 "cpus=0-1 arrive=2ms : run 1ms sleep "
					 "2ms loop\nthread D deadline runtime=1ms "
					 "deadline=5ms period=10ms\n",
					 &sp, err, sizeof(err)),
			 0);
	assert_int_equal(sp.ncpus, 2);
	assert_int_equal(sp.nthreads, 2);
	assert_int_equal(sp.threads[0].attr.nice, -3);
	assert_int_equal(sp.threads[0].arrive_ns, 2 * MS);
	assert_int_equal(sp.threads[0].nactions, 3);
	assert_int_equal(sp.threads[0].actions[2].kind, SIM_ACT_LOOP);
	assert_true(sp.threads[0].has_mask);
	assert_int_equal(sp.threads[1].attr.dl_period_ns, 10 * MS);

	assert_int_equal(scenario_parse("cpus 2\nthread A bogus\n", &sp, err,
					sizeof(err)),
			 -1);
	assert_string_equal(err, "line 2: unknown class 'bogus'");
	assert_int_equal(scenario_parse("\n\n\ncpus 9999\n", &sp, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "line 4:"));
	assert_int_equal(scenario_parse("thread A fair cpus=3-1\n", &sp, err,
					sizeof(err)),
			 -1);
	assert_int_equal(scenario_parse("thread A fair : run\n", &sp, err,
					sizeof(err)),
			 -1);
	assert_int_equal(scenario_parse("frobnicate 1\n", &sp, err, sizeof(err)),
			 -1);
}

static const char golden_4cpu_5threads[] =
	"| cpu     | 1 | 2 | 3 | 4 |\n"
	"| tick 1  | A | B | C | D |\n"
	"| tick 2  | A | B | C | D |\n"
	"| tick 3  | E | B | C | D |\n"
	"| tick 4  | E | A | C | D |\n"
	"| tick 5  | E | A | B | D |\n"
	"| tick 6  | E | A | B | C |\n"
	"| tick 7  | E | A | B | C |\n"
	"| tick 8  | D | A | B | C |\n"
	"| tick 9  | D | E | B | C |\n"
	"| tick 10 | D | E | A | C |\n"
	"| tick 11 | D | E | A | B |\n"
	"| tick 12 | D | E | A | B |\n"
	"| tick 13 | C | E | A | B |\n"
	"| tick 14 | C | D | A | B |\n"
	"| tick 15 | C | D | E | B |\n"
	"| tick 16 | C | D | E | A |\n"
	"| tick 17 | C | D | E | A |\n"
	"| tick 18 | B | D | E | A |\n"
	"| tick 19 | B | C | E | A |\n"
	"| tick 20 | B | C | D | A |\n";

/* The table is deterministic: this is the rotation the design describes
 * (the longest-waiting thread replaces the longest-running one, going round
 * the CPUs), and any change to it should be deliberate. */
static void test_golden_table_and_trace(void **state)
{
	static struct sim_spec sp;
	char err[256], *text, *out = NULL, *trace = NULL;
	size_t out_len = 0, trace_len = 0;
	FILE *f, *tf;
	struct sim *s;
	unsigned switches = 0, lines = 0;
	uint64_t cpu_switches = 0;

	(void)state;
	text = slurp("tools/schedsim/scenarios/4cpu-5threads.sched");
	assert_int_equal(scenario_parse(text, &sp, err, sizeof(err)), 0);
	free(text);
	s = sim_create(&sp);
	assert_non_null(s);
	s->quiet = true;
	tf = open_memstream(&trace, &trace_len);
	s->trace = tf;
	assert_int_equal(sim_run(s), 0);
	fclose(tf);
	f = open_memstream(&out, &out_len);
	sim_print_table(s, f);
	fclose(f);
	assert_string_equal(out, golden_4cpu_5threads);

	/* Trace v1: "<ns> <cpu> <event> <thread|-> <thread|-> <arg>". */
	for (char *ln = strtok(trace, "\n"); ln; ln = strtok(NULL, "\n")) {
		unsigned long long ns;
		int cpu;
		long long arg;
		char ev[16], a[16], b[16];

		assert_int_equal(sscanf(ln, "%llu %d %15s %15s %15s %lld", &ns,
					&cpu, ev, a, b, &arg),
				 6);
		assert_in_range(cpu, 0, 3);
		switches += strcmp(ev, "switch") == 0;
		lines++;
	}
	for (int c = 0; c < 4; c++) {
		struct sched_cpu_stats cs;

		sched_cpu_stats(c, &cs);
		cpu_switches += cs.switches;
	}
	assert_int_equal(switches, cpu_switches);
	assert_true(lines > switches);
	free(out);
	free(trace);
	sim_destroy(s);
}

static void test_tunables(void **state)
{
	(void)state;
	sched_tunables_reset();
	assert_int_equal(sched_tunable_set("balance_interval_ns", 20 * MS), 0);
	assert_int_equal(sched_tunables.balance_interval_ns, 20 * MS);
	assert_int_equal(sched_tunable_set("balance_interval_ns", 0), -EINVAL);
	assert_int_equal(sched_tunables.balance_interval_ns, 20 * MS);
	assert_int_equal(sched_tunable_set("tick_hz", 250), 0);
	assert_int_equal(sched_tunables.tick_ns, 4 * MS);
	assert_int_equal(sched_tunable_set("tick_hz", 1), -EINVAL);
	assert_int_equal(sched_tunable_set("dl_bound_ppm", 2000000), -EINVAL);
	assert_int_equal(sched_tunable_set("nohz", 2), -EINVAL);
	assert_int_equal(sched_tunable_set("no_such_thing", 1), -EINVAL);
	sched_tunables_reset();
	assert_int_equal(sched_tunables.balance_interval_ns,
			 SCHED_DEFAULT_BALANCE_INTERVAL_NS);
	assert_int_equal(sched_tunables.min_granularity_ns, 100 * US);
	assert_int_equal(sched_tunables.tick_ns, 1 * MS);
	assert_int_equal(sched_tunables.dl_bound_bw, SCHED_BW_ONE * 95 / 100);
}

/* nohz off: a busy CPU takes the periodic tick even with one thread. */
static void test_nohz_off_ticks(void **state)
{
	struct sim_spec *sp = spec_new(1, 10 * MS, 1 * MS);
	struct sched_cpu_stats cs;
	struct sim *s;

	(void)state;
	spec_set(sp, "nohz", 0);
	spec_thread(sp, "A", SCHED_POLICY_FAIR);
	s = sim_new();
	assert_int_equal(sim_run(s), 0);
	sched_cpu_stats(0, &cs);
	assert_in_range(cs.timer_events, 9, 10);
	assert_int_equal(T(s, "A")->t.stats.involuntary_switches, 0);
	sim_destroy(s);
}

static void test_all_scenarios_run_clean(void **state)
{
	static const char *const files[] = {
		"4cpu-4threads", "4cpu-5threads", "mixed", "affinity",
		"overload-edf", "rt-throttle",
	};
	static struct sim_spec sp;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[128], err[256], *text;
		struct sim *s;

		snprintf(path, sizeof(path), "tools/schedsim/scenarios/%s.sched",
			 files[i]);
		text = slurp(path);
		assert_int_equal(scenario_parse(text, &sp, err, sizeof(err)), 0);
		free(text);
		s = sim_create(&sp);
		assert_non_null(s);
		s->quiet = true;
		assert_int_equal(sim_run(s), 0);
		for (int k = 0; k < s->nthreads; k++)
			assert_int_equal(s->threads[k].t.stats.dl_misses, 0);
		sim_destroy(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_golden_table_and_trace),
		cmocka_unit_test(test_tunables),
		cmocka_unit_test(test_nohz_off_ticks),
		cmocka_unit_test(test_all_scenarios_run_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
