// SPDX-License-Identifier: MIT
/*
 * In-kernel micro-benchmarks, run with `bench=NAME` (tools/bench/smp drives
 * them across -smp 2/4/8 and tabulates). They print figures and exit with
 * success; nothing here asserts a number. Each result line has the form
 *   bench: <name> <key>=<value> ...
 * so the host tool can parse it.
 *
 *   ipi    call-function round trip (send IPI, target runs fn, sender sees
 *          it done) from CPU 0 to each other CPU
 *   tlb    one-page shootdown latency with every other CPU as a target
 *   timer  timer latency (programmed expiry -> callback), idle and with
 *          every other CPU busy; TSC drift against the HPET over 1 s / 10 s
 *   sched  yield ping-pong and cross-CPU wakeup (kernel/sched_bench.c)
 */
#include "bench.h"

#include <stdatomic.h>

#include "../drivers/fbcon.h"
#include "../drivers/hpet.h"
#include "../kernel/arch/x86.h"
#include "../kernel/cpu.h"
#include "../kernel/lib/clockconv.h"
#include "../kernel/lib/sort.h"
#include "../kernel/lib/string.h"
#include "../kernel/log.h"
#include "../kernel/sched_bench.h"
#include "../kernel/mm/heap.h"
#include "../kernel/mm/vmm.h"
#include "../kernel/time.h"
#include "../kernel/timer.h"
#include "smp.h"

#define SAMPLES 400

static void report(const char *what, uint64_t *ns, int n)
{
	sort_u64(ns, n);
	kprintf("bench: %s samples=%d min_ns=%lu median_ns=%lu p99_ns=%lu max_ns=%lu",
		what, n, ns[0], ns[n / 2], ns[n * 99 / 100], ns[n - 1]);
}

static void nothing(void *arg)
{
	(void)arg;
}

static void bench_ipi(uint64_t *ns)
{
	/* On the heap: 1024 ids would take a quarter of a thread's stack. */
	int *target = kmalloc(sizeof(*target) * (size_t)cpu_possible_count), n = 0;
	if (!target) {
		kprintf("bench: ipi-roundtrip skipped (no memory)");
		return;
	}
	for (int cpu = 1; cpu < cpu_possible_count; cpu++)
		if (cpu_online(cpu))
			target[n++] = cpu;
	if (!n) {
		kprintf("bench: ipi-roundtrip skipped (one CPU)");
		kfree(target);
		return;
	}
	/* Round-robin over the targets, so every CPU contributes. */
	for (int i = 0; i < SAMPLES; i++) {
		uint64_t t0 = now_ns();
		smp_call_on(target[i % n], nothing, 0, true);
		ns[i] = now_ns() - t0;
	}
	kfree(target);
	report("ipi-roundtrip", ns, SAMPLES);
}

static void bench_tlb(uint64_t *ns)
{
	uint64_t page = VMM_SCRATCH_BASE + 0x10000;
	vmm_map_page(page, 0x200000, VMM_NX); /* any RAM page, read-only */
	for (int i = 0; i < SAMPLES; i++) {
		uint64_t t0 = now_ns();
		tlb_shootdown(page, 4096);
		ns[i] = now_ns() - t0;
	}
	kprintf("bench: tlb-shootdown targets=%d", cpu_online_count() - 1);
	report("tlb-shootdown", ns, SAMPLES);
}

static struct timer bench_timer;
static volatile uint64_t fired_ns;

static void bench_cb(struct timer *t, uint64_t now)
{
	(void)t;
	fired_ns = now;
}

static atomic_int busy_stop;

/* Runs in the call-function interrupt on every other CPU, keeping it
 * busy (and the memory system loaded) while CPU 0 measures. */
static void busy(void *arg)
{
	(void)arg;
	while (!atomic_load(&busy_stop))
		cpu_relax();
}

static void timer_latency(uint64_t *ns, const char *what)
{
	timer_init(&bench_timer, bench_cb, 0);
	for (int i = 0; i < SAMPLES / 2; i++) {
		fired_ns = 0;
		uint64_t deadline = now_ns() + 200000 + (uint64_t)(i % 7) * 13000;
		timer_arm(&bench_timer, deadline);
		while (!fired_ns)
			cpu_relax();
		ns[i] = fired_ns - deadline;
	}
	report(what, ns, SAMPLES / 2);
}

static void drift(uint64_t seconds)
{
	if (!hpet_present()) {
		kprintf("bench: tsc-drift skipped (no HPET)");
		return;
	}
	uint64_t h0 = hpet_read(), t0 = rdtsc();
	uint64_t h_want = h0 + hpet_hz() * seconds, h1;
	do
		h1 = hpet_read();
	while (h1 < h_want);
	uint64_t t1 = rdtsc();
	/* 128-bit products: 10 s of a GHz TSC times 1e9 overflows 64 bits. */
	struct clockconv hc = clockconv_make(hpet_hz());
	struct clockconv tc = clockconv_make(time_calibration()->tsc_hz);
	uint64_t hpet_ns = clockconv_to_ns(&hc, h1 - h0);
	uint64_t tsc_ns = clockconv_to_ns(&tc, t1 - t0);
	int64_t diff = (int64_t)tsc_ns - (int64_t)hpet_ns;
	int64_t ppm = diff * 1000000 / (int64_t)hpet_ns;
	kprintf("bench: tsc-drift window_s=%lu hpet_ns=%lu tsc_ns=%lu drift_ppm=%ld",
		seconds, hpet_ns, tsc_ns, ppm);
}

static void bench_timer_all(uint64_t *ns)
{
	timer_latency(ns, "timer-latency-idle");
	atomic_store(&busy_stop, 0);
	smp_call_others(busy, 0, false);
	timer_latency(ns, "timer-latency-busy");
	atomic_store(&busy_stop, 1);
	drift(1);
	drift(10);
}

int bench_run(const char *name)
{
	uint64_t *ns = kzalloc(sizeof(uint64_t) * SAMPLES);
	int all = strcmp(name, "all") == 0;
	if (!ns)
		return -1;
	kprintf("bench: cpus=%d timer=%s clocksource-ref=%s", cpu_online_count(),
		timer_mode_name(timer_mode()),
		clock_ref_name(time_calibration()->ref));
	if (all || strcmp(name, "ipi") == 0)
		bench_ipi(ns);
	if (all || strcmp(name, "tlb") == 0)
		bench_tlb(ns);
	if (all || strcmp(name, "timer") == 0)
		bench_timer_all(ns);
	if (all || strcmp(name, "sched") == 0)
		sched_bench_run();
	if (strcmp(name, "fbcon") == 0) /* not in all: it floods the log */
		fbcon_bench();
	kfree(ns);
	kprintf("bench: done");
	return 0;
}
