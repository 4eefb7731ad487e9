// SPDX-License-Identifier: MIT
/*
 * latency: timer wake-up latency in the style of cyclictest, the same
 * binary on Cohort and on Linux (make bench-linux).
 *
 *   latency [-l] [-n LOOPS] [-i INTERVAL_US] [-c CPU]
 *
 * One SCHED_FIFO thread (priority 80) pinned to CPU (default 0) sleeps to
 * absolute CLOCK_MONOTONIC deadlines INTERVAL_US apart (default 1000) and
 * records, LOOPS times (default 2000), how late it woke: the time read
 * right after clock_nanosleep(TIMER_ABSTIME) returns minus the deadline.
 * That is the whole path a real-time program sees: timer interrupt,
 * wake-up, preemption of whatever ran, switch, return to user space.
 *
 * -l ("loaded") first starts one busy thread per online CPU, each pinned
 * to its CPU at the ordinary policy, the measuring CPU included: every
 * wake-up must then preempt a running thread, and no CPU is idle (under
 * QEMU TCG an idle vCPU is a sleeping host thread, so idle and loaded
 * measure different paths). Without -l the other CPUs are idle.
 *
 * Prints one line:
 *   latency: mode=idle|loaded cpus=C loops=N interval_us=I
 *            p50_us=A p99_us=B max_us=M OK start_ns=S
 * (S: the CLOCK_MONOTONIC time the deadlines count from, S + k*I, so a
 * kernel trace, on the same clock under Cohort, can be lined up with them)
 * and exits 0, or says what failed (a FIFO policy refused, a sleep that
 * returned early) and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LOOPS 100000
#define MAX_HOGS 256

static atomic_int stop;

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

static void ts_add_ns(struct timespec *ts, long ns)
{
	ts->tv_nsec += ns;
	while (ts->tv_nsec >= 1000000000) {
		ts->tv_nsec -= 1000000000;
		ts->tv_sec++;
	}
}

static int pin(pthread_t t, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

static void *hog(void *arg)
{
	(void)arg;
	volatile uint64_t spin = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		spin++;
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The sample at fraction q of the sorted samples (nearest rank). */
static uint64_t quantile(const uint64_t *sorted, int n, double q)
{
	int i = (int)(q * n + 0.999999) - 1;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return sorted[i];
}

int main(int argc, char **argv)
{
	int loaded = 0, loops = 2000, cpu = 0;
	long interval_us = 1000;
	int opt;

	while ((opt = getopt(argc, argv, "ln:i:c:")) != -1) {
		switch (opt) {
		case 'l':
			loaded = 1;
			break;
		case 'n':
			loops = atoi(optarg);
			break;
		case 'i':
			interval_us = atol(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (loops < 1 || loops > MAX_LOOPS || interval_us < 50 ||
	    interval_us > 1000000 || cpu < 0)
		goto usage;

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if (cpu >= cpus) {
		printf("latency: CPU %d is not online (%ld CPUs)\n", cpu, cpus);
		return 1;
	}
	uint64_t *lat = calloc((size_t)loops, sizeof(*lat));
	if (!lat) {
		printf("latency: out of memory\n");
		return 1;
	}

	pthread_t hogs[MAX_HOGS];
	int nhogs = 0;
	if (loaded) {
		for (int c = 0; c < cpus && c < MAX_HOGS; c++) {
			if (pthread_create(&hogs[nhogs], NULL, hog, NULL) != 0) {
				printf("latency: cannot start busy thread %d\n", c);
				return 1;
			}
			pin(hogs[nhogs++], c);
		}
	}

	if (pin(pthread_self(), cpu) != 0) {
		printf("latency: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		return 1;
	}
	struct sched_param sp = { .sched_priority = 80 };
	int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (err) {
		printf("latency: SCHED_FIFO refused: %s\n", strerror(err));
		return 1;
	}

	struct timespec next, now;
	clock_gettime(CLOCK_MONOTONIC, &next);
	uint64_t start_ns = ts_ns(&next);
	int early = 0;
	for (int i = 0; i < loops; i++) {
		ts_add_ns(&next, interval_us * 1000);
		while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					      &next, NULL)) == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (err) {
			printf("latency: clock_nanosleep: %s\n", strerror(err));
			return 1;
		}
		if (ts_ns(&now) < ts_ns(&next)) {
			early++;
			lat[i] = 0;
		} else {
			lat[i] = ts_ns(&now) - ts_ns(&next);
		}
		/*
		 * A wake-up later than a whole period would make the next
		 * deadline already past: skip the deadlines that have gone by
		 * (cyclictest counts them as overruns), so one stall is
		 * counted once and the deadlines stay start + k * interval.
		 */
		while (ts_ns(&now) >= ts_ns(&next) + (uint64_t)interval_us * 1000)
			ts_add_ns(&next, interval_us * 1000);
	}

	atomic_store(&stop, 1);
	for (int i = 0; i < nhogs; i++)
		pthread_join(hogs[i], NULL);

	qsort(lat, (size_t)loops, sizeof(*lat), cmp_u64);
	printf("latency: mode=%s cpus=%ld loops=%d interval_us=%ld "
	       "p50_us=%llu p99_us=%llu max_us=%llu %s start_ns=%llu\n",
	       loaded ? "loaded" : "idle", cpus, loops, interval_us,
	       (unsigned long long)(quantile(lat, loops, 0.50) / 1000),
	       (unsigned long long)(quantile(lat, loops, 0.99) / 1000),
	       (unsigned long long)(lat[loops - 1] / 1000),
	       early ? "EARLY" : "OK", (unsigned long long)start_ns);
	if (early)
		printf("latency: %d sleeps returned before their deadline\n",
		       early);
	free(lat);
	return early ? 1 : 0;

usage:
	fprintf(stderr, "usage: latency [-l] [-n LOOPS (1..%d)] "
		"[-i INTERVAL_US (50..1000000)] [-c CPU]\n", MAX_LOOPS);
	return 2;
}
