// SPDX-License-Identifier: MIT
/*
 * schedsim: the scheduler simulator's command line.
 *
 *   schedsim [--trace FILE] [--no-table] [--no-check] [--quiet]
 *            [--fair-share] SCENARIO
 *   schedsim --explore SEED [--count N] [--cpus N] [--smt-nodes]
 *            [--drop W.I,...]
 *
 * Prints the CPU-by-tick table (as in issue 5) and statistics. Exit status
 * 0 when every invariant and work-conservation check passed, 1 when one
 * failed, 2 for usage or scenario errors.
 *
 * --stats / --stats-json FILE [--settle DUR]: the many-core reports
 * (mcstats.h); --no-debug-checks: no rq_check inside schedule().
 *
 * Read next: docs/scheduler.md (formats), the files in scenarios/ (examples).
 */
#include "tools/schedsim/explore.h"
#include "tools/schedsim/mcstats.h"
#include "tools/schedsim/sim.h"
#include "tools/schedsim/stats.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: schedsim [--trace FILE] [--no-table] [--no-check] [--quiet]\n"
	"                [--fair-share] SCENARIO\n"
	"       schedsim --explore SEED [--count N] [--cpus N] [--smt-nodes]\n"
	"                [--drop W.I,...]\n"
	"\n"
	"Many-core reports: [--stats] [--stats-json FILE] [--settle DUR];\n"
	"[--no-debug-checks] for instruction counts (below).\n"
	"\n"
	"--explore runs the interleaving explorer (tools/schedsim/explore.h):\n"
	"seeds SEED..SEED+N-1 of random thread programs and CPU interleavings\n"
	"over the real scheduler, the whole-state checker after every step; a\n"
	"failure is minimised and printed with its replay command. --drop\n"
	"replays one seed with ops removed (as the failure report prints).\n"
	"--smt-nodes attaches 2-thread cores, 4 CPUs per LLC and node\n"
	"(CPU c: core c/2, LLC and node c/4) instead of one flat LLC.\n"
	"\n"
	"Runs Cohort's scheduler (sched/*.c) on simulated CPUs and prints a\n"
	"CPU-by-tick table (column k is logical CPU k-1, '-' is idle) and\n"
	"statistics. Scenario file, one directive per line, '#' comments:\n"
	"  cpus N                 simulated CPUs (1..1024), default 1\n"
	"  topology PxCxT         packages x cores x threads (sets cpus)\n"
	"  numa N                 NUMA nodes (default one per package)\n"
	"  llc C                  cores per last-level cache (default package)\n"
	"  duration DUR           simulated time, default 20ms\n"
	"  tick DUR               table row period and fair slice, default 1ms\n"
	"  set NAME VALUE         scheduler tunable (sched/config.h), e.g.\n"
	"                         set dl_bound_ppm 1000000\n"
	"  thread NAME CLASS [KEY=VALUE...] [: ACTION...]\n"
	"    CLASS: fair | fifo | rr | deadline\n"
	"    KEY:   nice=N  prio=N  runtime=DUR deadline=DUR period=DUR\n"
	"           cpus=LIST (e.g. 0-1,3)  node=N  arrive=DUR\n"
	"           count=N (N threads NAME0..NAME<N-1>)\n"
	"    ACTION: run DUR | sleep DUR | yield | wait | loop | exit | forever\n"
	"           (no actions: run forever; the script ends with an exit)\n"
	"  DUR: integer with ns, us, ms or s (plain integer: ns)\n"
	"\n"
	"--fair-share prints each always-runnable fair thread's CPU time\n"
	"against its weighted share of what RT, deadline and the other\n"
	"threads left, and the largest relative error (tools/schedsim/stats.h).\n"
	"\n"
	"--trace FILE writes one event per line (trace format v1, see\n"
	"docs/scheduler.md):  <time_ns> <cpu> <event> <thread> <thread> <arg>\n"
	"\n"
	"--stats prints work conservation (CPU time idle while an allowed\n"
	"waiter waited), migrations by level (core/llc/node/remote), cross-node\n"
	"migrations after --settle (default half the run) and the fair-share\n"
	"error; --stats-json FILE writes the same as JSON (docs/scheduler.md).\n"
	"--no-check skips the checkers between events; --no-debug-checks also\n"
	"the run-queue check inside schedule() (for instruction counts).\n";

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)n + 1))) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int explore_main(int argc, char **argv)
{
	struct explore_opts o = { 0 };
	struct explore_drop drop = { { 0 } };
	uint64_t seed = 0, count = 1;
	bool have_drop = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--explore") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc)
			o.ncpus = atoi(argv[++i]);
		else if (strcmp(argv[i], "--smt-nodes") == 0)
			o.smt_nodes = true;
		else if (strcmp(argv[i], "--drop") == 0 && i + 1 < argc &&
			 explore_parse_drop(argv[i + 1], &drop) == 0) {
			have_drop = true;
			i++;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (count == 0 || o.ncpus < 0 || o.ncpus > 8) {
		fputs(usage, stderr);
		return 2;
	}
	if (have_drop || count == 1) {
		struct explore_result r;
		int rc = explore_one(seed, &o, &drop, &r);

		explore_print(stdout, seed, &o, &drop);
		printf("%s: %llu steps, %llu hooks, %llu checks%s%s\n",
		       rc ? "FAILED" : "passed", (unsigned long long)r.steps,
		       (unsigned long long)r.hooks,
		       (unsigned long long)r.checks, rc ? ": " : "",
		       rc ? r.reason : "");
		return rc ? 1 : 0;
	}
	return explore_seeds(seed, count, &o, stdout,
			     count >= 10 ? count / 10 : 1) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *trace_path = NULL, *path = NULL;
	bool table = true, check = true, quiet = false, fair_share = false;
	static struct sim_spec spec;
	char err[256], *text;
	struct sim *s;
	const char *json_path = NULL;
	bool stats = false, debug_checks = true;
	uint64_t settle_ns = 0;
	int rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--explore") == 0)
			return explore_main(argc, argv);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
			trace_path = argv[++i];
		} else if (strcmp(argv[i], "--no-table") == 0) {
			table = false;
		} else if (strcmp(argv[i], "--stats") == 0) {
			stats = true;
		} else if (strcmp(argv[i], "--stats-json") == 0 && i + 1 < argc) {
			json_path = argv[++i];
		} else if (strcmp(argv[i], "--settle") == 0 && i + 1 < argc &&
			   scenario_parse_duration(argv[i + 1], &settle_ns) == 0) {
			i++;
		} else if (strcmp(argv[i], "--no-debug-checks") == 0) {
			debug_checks = false;
		} else if (strcmp(argv[i], "--no-check") == 0) {
			check = false;
		} else if (strcmp(argv[i], "--quiet") == 0) {
			quiet = true;
		} else if (strcmp(argv[i], "--fair-share") == 0) {
			fair_share = true;
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!path) {
		fputs(usage, stderr);
		return 2;
	}
	if (!(text = read_file(path))) {
		fprintf(stderr, "schedsim: cannot read %s\n", path);
		return 2;
	}
	if (scenario_parse(text, &spec, err, sizeof(err))) {
		fprintf(stderr, "schedsim: %s: %s\n", path, err);
		free(text);
		return 2;
	}
	free(text);
	if (!(s = sim_create(&spec))) {
		fprintf(stderr, "schedsim: %s: invalid configuration\n", path);
		return 2;
	}
	s->check_each_event = check;
	s->check_work_conserving = check;
	s->quiet = quiet;
	/* rq_check inside schedule(): off only for instruction counts. */
	sched_debug_checks = debug_checks;
	if (trace_path) {
		if (!(s->trace = fopen(trace_path, "w"))) {
			fprintf(stderr, "schedsim: cannot write %s\n", trace_path);
			return 2;
		}
		char header[64];
		sched_trace_header(spec.ncpus, header, sizeof(header));
		fprintf(s->trace, "%s\n", header);
	}
	if ((stats || json_path) && sim_stats_attach(s, settle_ns)) {
		fprintf(stderr, "schedsim: out of memory\n");
		return 2;
	}
	rc = sim_run(s);
	if (table)
		sim_print_table(s, stdout);
	sim_print_stats(s, stdout);
	if (fair_share) {
		static struct sim_fair_share fs;

		sim_fair_share(s, &fs);
		sim_print_fair_share(s, &fs, stdout);
	}
	if (s->trace)
		fclose(s->trace);
	if (stats)
		sim_stats_print(s, stdout);
	if (json_path) {
		FILE *f = fopen(json_path, "w");

		if (!f) {
			fprintf(stderr, "schedsim: cannot write %s\n", json_path);
			return 2;
		}
		sim_stats_json(s, path, f);
		fclose(f);
	}
	sim_destroy(s);
	return rc ? 1 : 0;
}
