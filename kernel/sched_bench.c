// SPDX-License-Identifier: MIT
/*
 * Scheduler micro-benchmarks for `bench=sched` (printed, never asserted):
 *   sched-yield-switch  two fair threads pinned to one CPU yield to each
 *                       other; ns per context switch
 *   sched-xcpu-wakeup   a thread on one CPU wakes a thread blocked on
 *                       another; ns from the wake call to the woken thread
 *                       running (reschedule IPI included)
 * Output lines follow smp/bench.c's format so tools/bench/smp parses them.
 */
#include "sched_bench.h"

#include <stdatomic.h>

#include "../sched/sched.h"
#include "cpu.h"
#include "kthread.h"
#include "lib/sort.h"
#include "log.h"
#include "mm/heap.h"
#include "time.h"

#define YIELD_ROUNDS 2000
#define WAKE_SAMPLES 200

static void yielder(void *arg)
{
	(void)arg;
	for (int i = 0; i < YIELD_ROUNDS; i++)
		thread_yield();
}

static struct wait_queue wake_wq;
static atomic_int wake_flag, wake_round;
static uint64_t wake_sent_ns, *wake_ns;

static bool flag_set(void *arg)
{
	(void)arg;
	return atomic_load(&wake_flag) != 0;
}

static void sleeper(void *arg)
{
	(void)arg;
	for (int i = 0; i < WAKE_SAMPLES; i++) {
		while (!flag_set(0))
			wait_queue_block_if(&wake_wq, flag_set, 0);
		wake_ns[i] = now_ns() - wake_sent_ns;
		atomic_store(&wake_flag, 0);
		atomic_fetch_add(&wake_round, 1);
	}
}

static void waker(void *arg)
{
	(void)arg;
	for (int i = 0; i < WAKE_SAMPLES; i++) {
		/* Let the sleeper block before each wake. */
		thread_sleep_for(200000);
		wake_sent_ns = now_ns();
		atomic_store(&wake_flag, 1);
		wait_queue_wake_one(&wake_wq);
		while (atomic_load(&wake_round) <= i)
			thread_sleep_for(50000);
	}
}

static void report(const char *what, uint64_t *ns, int n)
{
	sort_u64(ns, n);
	kprintf("bench: %s samples=%d min_ns=%lu median_ns=%lu p99_ns=%lu max_ns=%lu",
		what, n, ns[0], ns[n / 2], ns[n * 99 / 100], ns[n - 1]);
}

void sched_bench_run(void)
{
	int cpus_list[2], n = 0, err;
	for (int i = 1; i < cpu_possible_count && n < 2; i++)
		if (cpu_online(i))
			cpus_list[n++] = i;
	if (n < 2) {
		kprintf("bench: sched benchmarks need 3 CPUs; skipped");
		return;
	}
	struct cpumask one, other;
	cpumask_clear(&one);
	cpumask_set(&one, cpus_list[0]);
	cpumask_clear(&other);
	cpumask_set(&other, cpus_list[1]);

	struct sched_cpu_stats s0, s1;
	sched_cpu_stats(cpus_list[0], &s0);
	uint64_t t0 = now_ns();
	struct thread *a = kthread_create("yield-a", yielder, 0, 0, &one, &err);
	struct thread *b = kthread_create("yield-b", yielder, 0, 0, &one, &err);
	if (a)
		kthread_join(a, 0);
	if (b)
		kthread_join(b, 0);
	uint64_t dt = now_ns() - t0;
	sched_cpu_stats(cpus_list[0], &s1);
	uint64_t switches = s1.switches - s0.switches;
	kprintf("bench: sched-yield-switch switches=%lu ns_per_switch=%lu", switches,
		switches ? dt / switches : 0);

	wake_ns = kzalloc(sizeof(uint64_t) * WAKE_SAMPLES);
	wait_queue_init(&wake_wq, "bench-wake");
	struct thread *s = kthread_create("sleeper", sleeper, 0, 0, &one, &err);
	struct thread *w = kthread_create("waker", waker, 0, 0, &other, &err);
	if (s)
		kthread_join(s, 0);
	if (w)
		kthread_join(w, 0);
	report("sched-xcpu-wakeup", wake_ns, WAKE_SAMPLES);
	kfree(wake_ns);
}
