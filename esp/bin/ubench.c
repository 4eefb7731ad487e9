// SPDX-License-Identifier: MIT
/*
 * ubench: user-space micro-benchmarks of the kernel's basic costs, the
 * same binary on Cohort and on Linux.
 *
 *   ubench [ROUNDS [OPS [NAME...]]]   (defaults 7 rounds of 2000
 *                                     operations, every benchmark)
 *
 * NAMEs pick benchmarks (e.g. `ubench 3 500 fork-wait` for a trace of
 * that one alone).
 *
 * Each benchmark runs ROUNDS times; each round times OPS operations with
 * CLOCK_MONOTONIC and reports the time per operation. The table gives the
 * median, minimum and maximum of the rounds in nanoseconds:
 *
 *   yield-1cpu    two threads pinned to one CPU take turns with
 *                 sched_yield; one operation = one switch from one thread
 *                 to the other (a call that returns to the caller is not
 *                 one); a second line gives the share of calls that
 *                 switched and the time per call
 *   fork-wait     fork, the child _exits at once, the parent wait4s
 *   pipe-1cpu     a byte goes to a second process and comes back through
 *                 two pipes, both processes on CPU 0 (two switches)
 *   pipe-2cpu     the same with the processes on CPUs 0 and 1
 *
 * A benchmark that needs two CPUs is skipped (and says so) on one.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 64

static long ops = 2000;
static char **names; /* the NAMEs asked for; none: all */
static int nnames;

static int want(const char *name)
{
	if (!nnames)
		return 1;
	for (int i = 0; i < nnames; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *per_op, int rounds)
{
	qsort(per_op, (size_t)rounds, sizeof(per_op[0]), cmp_u64);
	printf("%-12s %10llu %10llu %10llu %6d %8ld\n", name,
	       (unsigned long long)per_op[rounds / 2],
	       (unsigned long long)per_op[0],
	       (unsigned long long)per_op[rounds - 1], rounds, ops);
	fflush(stdout);
}

/* ---- yield between two threads on one CPU ------------------------------- */

static atomic_int yield_go;
/*
 * Which thread returned from sched_yield last, and how often the other
 * one had run in between: a kernel that returns from sched_yield without
 * switching would otherwise look fast here. Reported as a percentage.
 */
static atomic_int yield_last;
static atomic_long yield_switches;
static long yield_total_switches;
static uint64_t yield_total_ns;

static void yield_once(int me)
{
	sched_yield();
	if (atomic_exchange_explicit(&yield_last, me, memory_order_relaxed) != me)
		atomic_fetch_add_explicit(&yield_switches, 1, memory_order_relaxed);
}

static void *yielder(void *arg)
{
	(void)arg;
	pin(0);
	while (!atomic_load(&yield_go))
		sched_yield();
	for (long i = 0; i < ops; i++)
		yield_once(2);
	return NULL;
}

static uint64_t yield_round(void)
{
	pthread_t t;
	atomic_store(&yield_go, 0);
	atomic_store(&yield_switches, 0);
	pin(0);
	if (pthread_create(&t, NULL, yielder, NULL))
		return 0;
	/* Both on CPU 0 and running before the clock starts. */
	for (int i = 0; i < 10; i++)
		sched_yield();
	atomic_store(&yield_switches, 0);
	uint64_t t0 = now_ns();
	atomic_store(&yield_go, 1);
	for (long i = 0; i < ops; i++)
		yield_once(1);
	pthread_join(t, NULL);
	uint64_t dt = now_ns() - t0;
	long switches = atomic_load(&yield_switches);
	yield_total_switches += switches;
	yield_total_ns += dt;
	/*
	 * Per switch, not per call: Linux's CFS often returns from
	 * sched_yield to the same thread, and a cheap non-switch is not
	 * what this row compares.
	 */
	return dt / (uint64_t)(switches ? switches : 1);
}

/* ---- fork + exit + wait ----------------------------------------------------- */

static uint64_t fork_round(void)
{
	long n = ops / 10 ? ops / 10 : 1; /* a fork costs far more than a yield */
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return 0;
		int st;
		waitpid(pid, &st, 0);
	}
	return (now_ns() - t0) / (uint64_t)n;
}

/* ---- pipe ping-pong between two processes ---------------------------------- */

static uint64_t pipe_round(int child_cpu)
{
	int to[2], from[2];
	if (pipe(to) || pipe(from))
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		/* The parent's ends: kept open here, the child would never
		 * see EOF when the parent closes them. */
		close(to[1]);
		close(from[0]);
		pin(child_cpu);
		char c;
		while (read(to[0], &c, 1) == 1)
			if (write(from[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	pin(0);
	close(to[0]);
	close(from[1]);
	char c = 'x';
	/* One untimed exchange: the child has pinned itself and is ready. */
	if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1)
		return 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < ops; i++)
		if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1)
			return 0;
	uint64_t per = (now_ns() - t0) / (uint64_t)ops;
	close(to[1]);
	close(from[0]);
	int st;
	waitpid(pid, &st, 0);
	return per;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 7;
	if (argc > 2)
		ops = atol(argv[2]);
	if (argc > 3) {
		names = argv + 3;
		nnames = argc - 3;
	}
	static const char *const known[] = { "yield-1cpu", "fork-wait",
					     "pipe-1cpu", "pipe-2cpu" };
	int unknown = 0;
	for (int i = 0; i < nnames; i++) {
		int k = 0;
		for (unsigned j = 0; j < sizeof(known) / sizeof(known[0]); j++)
			k |= !strcmp(names[i], known[j]);
		unknown |= !k;
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || ops < 10 || unknown) {
		fprintf(stderr, "usage: ubench [ROUNDS (1..%d) [OPS (>= 10) "
				"[yield-1cpu|fork-wait|pipe-1cpu|pipe-2cpu...]]]\n",
			MAX_ROUNDS);
		return 2;
	}
	int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	printf("ubench: %d CPUs, %d rounds of %ld operations, ns per operation\n",
	       cpus, rounds, ops);
	printf("%-12s %10s %10s %10s %6s %8s\n", "benchmark", "median", "min",
	       "max", "rounds", "ops");
	uint64_t r[MAX_ROUNDS];
	int failed = 0;

	/*
	 * Every benchmark runs pinned to CPU 0 (the later ones inherit the
	 * pin, so fork-wait's children start there too): the rows measure
	 * one CPU's costs, except pipe-2cpu, whose child pins itself to 1.
	 */
	pin(0);
	if (want("yield-1cpu")) {
		for (int i = 0; i < rounds; i++)
			failed |= !(r[i] = yield_round());
		report("yield-1cpu", r, rounds);
		printf("yield-1cpu: %ld%% of sched_yield calls switched threads; "
		       "%llu ns per call\n",
		       yield_total_switches * 100 / (2 * ops * rounds),
		       (unsigned long long)(yield_total_ns /
					    (uint64_t)(2 * ops * rounds)));
	}
	if (want("fork-wait")) {
		for (int i = 0; i < rounds; i++)
			failed |= !(r[i] = fork_round());
		report("fork-wait", r, rounds);
	}
	if (want("pipe-1cpu")) {
		for (int i = 0; i < rounds; i++)
			failed |= !(r[i] = pipe_round(0));
		report("pipe-1cpu", r, rounds);
	}
	if (want("pipe-2cpu")) {
		if (cpus > 1) {
			for (int i = 0; i < rounds; i++)
				failed |= !(r[i] = pipe_round(1));
			report("pipe-2cpu", r, rounds);
		} else {
			printf("%-12s skipped: one CPU\n", "pipe-2cpu");
		}
	}
	if (failed)
		printf("ubench: a benchmark failed (a call returned an error)\n");
	return failed;
}
