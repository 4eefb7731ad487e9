// SPDX-License-Identifier: MIT
/*
 * In-kernel self-tests of the multiprocessor machinery (test=NAME; see
 * kernel/selftest.c for the protocol). Each checks exact counts or values
 * and prints per-CPU evidence; none asserts on timing, which TCG makes
 * noisy.
 */
#include "selftests.h"

#include <stdatomic.h>

#include "../drivers/lapic.h"
#include "../kernel/arch/x86.h"
#include "../kernel/cpu.h"
#include "../kernel/kthread.h"
#include "../kernel/sched_glue.h"
#include "../kernel/selftest.h"
#include "../kernel/log.h"
#include "../kernel/mm/heap.h"
#include "../kernel/mm/layout.h"
#include "../kernel/mm/pmm.h"
#include "../kernel/mm/vmm.h"
#include "../kernel/panic.h"
#include "../kernel/preempt.h"
#include "../kernel/spinlock.h"
#include "../kernel/time.h"
#include "../kernel/timer.h"
#include "../sched/sched.h"
#include "smp.h"

#define WAIT_LIMIT_NS (20ULL * 1000 * 1000 * 1000) /* generous: TCG */

/* Poll `cond` with interrupts on until it holds or the limit passes. */
#define WAIT_FOR(cond)                                                     \
	({                                                                 \
		uint64_t end_ = now_ns() + WAIT_LIMIT_NS;                  \
		while (!(cond) && now_ns() < end_)                         \
			cpu_relax();                                       \
		(cond);                                                    \
	})

/* ---- Per-CPU scratch ------------------------------------------------------ */

/* Scratch of the test thread: the online ids, and per-CPU counters read
 * before and after a test's window. */
static int *online_ids;
static uint64_t *test_before, *test_raw_before;
/* test=timer's, test=callfunc's and test=tlb's: each CPU writes its own
 * entries in its callback; the test thread reads them after waiting for
 * all. */
#define TIMERS_PER_CPU 3
static struct timer (*test_timers)[TIMERS_PER_CPU];
static uint64_t (*fired_at)[TIMERS_PER_CPU];
static atomic_int *fired_order;
static int (*order_seen)[TIMERS_PER_CPU];
static int *ran_on;
static uint64_t *tlb_seen;

/*
 * The tests' per-CPU arrays, sized by cpu_possible_count and allocated
 * on first use, then kept: the tests run one at a time from the init
 * thread (selftest_run), so one set serves them all, and 1024 CPUs'
 * worth would not fit a 16 KiB thread stack (before[] and raw_before[]
 * alone were 16 KiB). Returns the online-id buffer; *n: online CPUs.
 */
static int *test_percpu(int *n)
{
	size_t c = (size_t)cpu_possible_count;

	if (!online_ids) {
		test_timers = kzalloc(c * sizeof(*test_timers));
		fired_at = kzalloc(c * sizeof(*fired_at));
		fired_order = kzalloc(c * sizeof(*fired_order));
		order_seen = kzalloc(c * sizeof(*order_seen));
		test_before = kzalloc(c * sizeof(*test_before));
		test_raw_before = kzalloc(c * sizeof(*test_raw_before));
		ran_on = kzalloc(c * sizeof(*ran_on));
		tlb_seen = kzalloc(c * sizeof(*tlb_seen));
		online_ids = kzalloc(c * sizeof(*online_ids));
		if (!test_timers || !fired_at || !fired_order || !order_seen ||
		    !test_before || !test_raw_before || !ran_on || !tlb_seen ||
		    !online_ids)
			panic("smp self-tests: no memory for %d CPUs' scratch",
			      cpu_possible_count);
	}
	*n = cpu_online_list(online_ids, cpu_possible_count);
	return online_ids;
}

/* ---- test=timer ----------------------------------------------------------- */

static atomic_int timers_fired;

static void timer_cb(struct timer *t, uint64_t now)
{
	int cpu = this_cpu()->id, idx = (int)(uintptr_t)t->arg;
	fired_at[cpu][idx] = now;
	order_seen[cpu][atomic_fetch_add(&fired_order[cpu], 1)] = idx;
	atomic_fetch_add(&timers_fired, 1);
}

static void arm_timers(void *arg)
{
	int cpu = this_cpu()->id;
	uint64_t now = now_ns();
	(void)arg;
	/* Armed latest first, so the queue must reorder them. */
	for (int i = TIMERS_PER_CPU - 1; i >= 0; i--) {
		timer_init(&test_timers[cpu][i], timer_cb, (void *)(uintptr_t)i);
		timer_arm(&test_timers[cpu][i], now + (uint64_t)(i + 1) * 2000000);
	}
}

/* Few rounds: under TCG a preempted vCPU holding the ticket stalls the
 * rest, so contended rounds are slow out of all proportion. */
#define MONOTONIC_PROBES 300
static struct spinlock mono_lock = SPINLOCK_INIT("test-monotonic");
static uint64_t mono_last;
static atomic_int mono_errors;

/* Each CPU takes the lock in turn and reads the clock inside it: the lock
 * orders the reads, so a value below the previous holder's means now_ns()
 * disagrees between CPUs. */
static void monotonic_probe(void *arg)
{
	(void)arg;
	for (int i = 0; i < MONOTONIC_PROBES; i++) {
		spin_lock(&mono_lock);
		uint64_t t = now_ns();
		if (t < mono_last)
			atomic_fetch_add(&mono_errors, 1);
		mono_last = t;
		spin_unlock(&mono_lock);
	}
}

int selftest_timer(void)
{
	int n, *list = test_percpu(&n);
	int fail = 0;

	if (timer_mode() == TIMER_MODE_NONE) {
		kprintf("timer: no per-CPU clockevent");
		return 1;
	}
	/* From zero on every run: a second test=timer in one list would
	 * count the first run's events and index order_seen past its end. */
	atomic_store(&timers_fired, 0);
	atomic_store(&mono_errors, 0);
	for (int k = 0; k < n; k++)
		atomic_store(&fired_order[list[k]], 0);
	smp_call_others(arm_timers, 0, true);
	preempt_disable(); /* arm_timers() arms the timers of the CPU it runs on */
	arm_timers(0);
	preempt_enable();
	if (!WAIT_FOR(atomic_load(&timers_fired) == n * TIMERS_PER_CPU)) {
		kprintf("timer: only %d of %d timers fired",
			atomic_load(&timers_fired), n * TIMERS_PER_CPU);
		fail = 1;
	}
	for (int k = 0; k < n; k++) {
		int cpu = list[k];
		for (int i = 0; i < TIMERS_PER_CPU; i++) {
			if (order_seen[cpu][i] != i) {
				kprintf("timer: cpu%d fired timer %d in slot %d", cpu,
					order_seen[cpu][i], i);
				fail = 1;
			}
			if (fired_at[cpu][i] < test_timers[cpu][i].deadline_ns) {
				kprintf("timer: cpu%d timer %d fired before its "
					"deadline", cpu, i);
				fail = 1;
			}
		}
		kprintf("timer: cpu%d: %lu timer events, late by %lu/%lu/%lu us",
			cpu, cpus[cpu]->timer_events,
			(fired_at[cpu][0] - test_timers[cpu][0].deadline_ns) / 1000,
			(fired_at[cpu][1] - test_timers[cpu][1].deadline_ns) / 1000,
			(fired_at[cpu][2] - test_timers[cpu][2].deadline_ns) / 1000);
	}
	struct cpumask all = cpu_online_mask;
	smp_call_many(&all, monotonic_probe, 0, true);
	if (atomic_load(&mono_errors)) {
		kprintf("timer: now_ns() went backwards across CPUs %d times",
			atomic_load(&mono_errors));
		fail = 1;
	} else {
		kprintf("timer: now_ns() monotonic across %d CPUs", n);
	}
	return fail;
}

/* ---- test=ipi --------------------------------------------------------------- */

#define IPI_ROUNDS 200

static void ipi_sender(void *arg)
{
	int me = this_cpu()->id;
	(void)arg;
	for (int r = 0; r < IPI_ROUNDS; r++)
		for (int cpu = 0; cpu < cpu_possible_count; cpu++)
			if (cpu != me && cpu_online(cpu))
				smp_send_reschedule(cpu);
}

static uint64_t resched_total(int cpu)
{
	return __atomic_load_n(&cpus[cpu]->resched_requests, __ATOMIC_RELAXED);
}

/* Every request sent to cpu so far: drained, or still pending. */
static uint64_t resched_sent_to(int cpu)
{
	return resched_total(cpu) +
	       atomic_load_explicit(&cpus[cpu]->resched_pending,
				    memory_order_relaxed);
}

/* Reschedule IPIs the scheduler itself sent, all CPUs together. */
static uint64_t sched_resched_sent(const int *list, int n)
{
	uint64_t sum = 0;
	for (int k = 0; k < n; k++) {
		struct sched_cpu_stats st;
		sched_cpu_stats(list[k], &st);
		sum += st.ipis_sent;
	}
	return sum;
}

int selftest_ipi(void)
{
	int n, *list = test_percpu(&n), fail = 0;
	uint64_t *before = test_before, *raw_before = test_raw_before;

	if (n < 2) {
		kprintf("ipi: needs at least 2 CPUs, have %d", n);
		return 1;
	}
	/*
	 * The scheduler may send a reschedule of its own meanwhile (a
	 * wakeup or an idle kick around this test's own threads): those are
	 * counted from its statistics and allowed, and nothing else. The
	 * baseline counts requests still in flight as already sent (they
	 * drain during the window but were sent before it), so the window
	 * holds only requests sent after it opened. A scheduler send counts
	 * itself in its statistics just before it raises the request, with
	 * interrupts off, so at most one per CPU can straddle the two reads
	 * below: that is the only slack allowed.
	 */
	uint64_t sched_before = sched_resched_sent(list, n);
	for (int k = 0; k < n; k++) {
		before[list[k]] = resched_sent_to(list[k]);
		raw_before[list[k]] = smp_ipis_received(list[k]);
	}
	smp_call_others(ipi_sender, 0, true);
	preempt_disable(); /* ipi_sender() skips the CPU it runs on */
	ipi_sender(0);
	preempt_enable();
	uint64_t want = (uint64_t)IPI_ROUNDS * (uint64_t)(n - 1), extra = 0;
	for (int k = 0; k < n; k++) {
		int cpu = list[k];
		WAIT_FOR(resched_total(cpu) - before[cpu] >= want);
		uint64_t got = resched_total(cpu) - before[cpu];
		kprintf("ipi: cpu%d: %lu of %lu reschedule requests, %lu "
			"interrupts", cpu, got, want,
			smp_ipis_received(cpu) - raw_before[cpu]);
		if (got < want)
			fail = 1;
		extra += got - want;
	}
	/* Read after the counts: every scheduler IPI that reached them was
	 * sent before this. */
	uint64_t sched_sent = sched_resched_sent(list, n) - sched_before;
	kprintf("ipi: %lu more than sent by the test; the scheduler sent %lu "
		"(+ at most %d in flight as the window opened)", extra,
		sched_sent, n);
	if (extra > sched_sent + (uint64_t)n)
		fail = 1;
	return fail;
}

/* ---- test=callfunc ------------------------------------------------------------ */

static atomic_int async_count;

static void record_cpu(void *arg)
{
	ran_on[this_cpu()->id] = (int)(uintptr_t)arg;
}

static void count_async(void *arg)
{
	(void)arg;
	atomic_fetch_add(&async_count, 1);
}

/* FIFO: requests queued to a CPU while it is busy run in the order they
 * were posted. The target is held inside a first call (interrupts off, so
 * its mailbox fills), then released. */
#define ORDER_CALLS 8
static atomic_int order_hold, order_next;
static int call_order_seen[ORDER_CALLS];

static void hold_here(void *arg)
{
	(void)arg;
	atomic_store(&order_hold, 2); /* tell the sender we are inside */
	while (atomic_load(&order_hold) == 2)
		cpu_relax();
}

static void record_order(void *arg)
{
	call_order_seen[atomic_fetch_add(&order_next, 1)] = (int)(uintptr_t)arg;
}

/* The target is another CPU than this one, chosen with preemption off
 * and kept off until it is released: a call to this CPU would hold it
 * here for good, and a thread moved onto the held CPU would never run
 * again to release it. */
static int check_call_order(void)
{
	int fail = 0, target = -1;
	preempt_disable();
	target = cpu_online_other(this_cpu()->id);
	atomic_store(&order_hold, 1);
	smp_call_on(target, hold_here, 0, false);
	if (!WAIT_FOR(atomic_load(&order_hold) == 2)) {
		preempt_enable();
		kprintf("callfunc: cpu%d never ran the holding call", target);
		return 1;
	}
	for (int i = 0; i < ORDER_CALLS; i++)
		smp_call_on(target, record_order, (void *)(uintptr_t)i, false);
	atomic_store(&order_hold, 0);
	preempt_enable();
	WAIT_FOR(atomic_load(&order_next) == ORDER_CALLS);
	for (int i = 0; i < ORDER_CALLS; i++)
		if (call_order_seen[i] != i) {
			kprintf("callfunc: cpu%d ran request %d in place %d "
				"(requests must run in the order posted)", target,
				call_order_seen[i], i);
			fail = 1;
		}
	if (!fail)
		kprintf("callfunc: %d requests queued while cpu%d was busy ran in "
			"order", ORDER_CALLS, target);
	return fail;
}

int selftest_callfunc(void)
{
	int n, *list = test_percpu(&n), fail = 0;
	struct cpumask was;

	/* Start on the last CPU, where the scheduler may have put the test
	 * thread (test=sched-rt,callfunc): the order check once picked "the
	 * last CPU" as its target, sent itself the holding call and hung.
	 * The affinity is restored for the next test of a list. */
	selftest_start_on_last_cpu(&was);
	atomic_store(&async_count, 0);
	atomic_store(&order_next, 0);

	for (int k = 0; k < n; k++) {
		int cpu = list[k];
		smp_call_on(cpu, record_cpu, (void *)(uintptr_t)(1000 + cpu), true);
		if (ran_on[cpu] != 1000 + cpu) {
			kprintf("callfunc: sync call to cpu%d did not run there", cpu);
			fail = 1;
		}
	}
	struct cpumask all = cpu_online_mask;
	smp_call_many(&all, record_cpu, (void *)(uintptr_t)7, true);
	for (int k = 0; k < n; k++)
		if (ran_on[list[k]] != 7) {
			kprintf("callfunc: call_many missed cpu%d", list[k]);
			fail = 1;
		}
	enum { ASYNC_ROUNDS = 50 };
	for (int r = 0; r < ASYNC_ROUNDS; r++)
		smp_call_others(count_async, 0, false);
	int want = ASYNC_ROUNDS * (n - 1);
	WAIT_FOR(atomic_load(&async_count) == want);
	kprintf("callfunc: %d CPUs: sync one-by-one ok, call_many ok, %d of %d "
		"async calls ran", n, atomic_load(&async_count), want);
	if (atomic_load(&async_count) != want)
		fail = 1;
	if (n >= 2)
		fail |= check_call_order();
	/* Past the last CPU id: refused, not posted to a mailbox that does
	 * not exist. */
	if (smp_call_on(cpu_possible_count, record_cpu, 0, true) != -1) {
		kprintf("callfunc: a call to an offline CPU was accepted");
		fail = 1;
	}
	thread_set_affinity(thread_current(), &was);
	return fail;
}

/* ---- test=tlb ------------------------------------------------------------------ */


static void read_scratch(void *arg)
{
	(void)arg;
	tlb_seen[this_cpu()->id] = *(volatile uint64_t *)VMM_SCRATCH_BASE;
}

static int check_all(int *list, int n, uint64_t want, const char *when)
{
	struct cpumask all = cpu_online_mask;
	int bad = 0;
	smp_call_many(&all, read_scratch, 0, true);
	for (int k = 0; k < n; k++)
		if (tlb_seen[list[k]] != want) {
			kprintf("tlb: cpu%d read %#lx %s, expected %#lx", list[k],
				tlb_seen[list[k]], when, want);
			bad = 1;
		}
	return bad;
}

int selftest_tlb(void)
{
	int n, *list = test_percpu(&n), fail = 0;
	const uint64_t a_val = 0xaaaa0000aaaa0000ULL, b_val = 0xbbbb0000bbbb0000ULL;
	uint64_t a = pmm_alloc_pages(1), b = pmm_alloc_pages(1);

	ASSERT(a && b);
	*(uint64_t *)phys_to_virt(a) = a_val;
	*(uint64_t *)phys_to_virt(b) = b_val;
	if (vmm_map_page(VMM_SCRATCH_BASE, a, VMM_WRITE | VMM_NX))
		return 1;
	tlb_shootdown(VMM_SCRATCH_BASE, 4096);
	fail |= check_all(list, n, a_val, "before the remap");
	/* Every CPU now has the old translation cached. Remap, shoot down,
	 * and every CPU must see the new page. */
	vmm_map_page(VMM_SCRATCH_BASE, b, VMM_WRITE | VMM_NX);
	uint64_t t0 = now_ns();
	tlb_shootdown(VMM_SCRATCH_BASE, 4096);
	uint64_t dt = now_ns() - t0;
	fail |= check_all(list, n, b_val, "after the shootdown");
	kprintf("tlb: %d CPUs read the new page after one shootdown (%lu us)", n,
		dt / 1000);
	tlb_shootdown(0, 0); /* the full-flush path, for coverage */
	fail |= check_all(list, n, b_val, "after a full flush");
	/* Give both pages back (a test= list may run this many times): no
	 * CPU may keep a translation to b once it is free. */
	vmm_unmap_page(VMM_SCRATCH_BASE);
	tlb_shootdown(VMM_SCRATCH_BASE, 4096);
	pmm_free_pages(a, 1);
	pmm_free_pages(b, 1);
	return fail;
}

/* ---- test=tlb-online ------------------------------------------------------------ */

/* A CPU that comes online while a shootdown is choosing its targets: it
 * must either be waited for or not be sent an IPI at all; the shootdown
 * may never return while a CPU it sent an IPI to has not flushed. The
 * latecomer is an AP held inside a call with interrupts off (so it cannot
 * flush yet) and hidden from cpu_online_mask; the hook brings it back at
 * the moment tlb_shootdown() has chosen its targets. */
static atomic_int late_hold;
static int late_cpu = -1;

static void late_hold_here(void *arg)
{
	(void)arg;
	atomic_store(&late_hold, 2);
	while (atomic_load(&late_hold) == 2)
		cpu_relax();
}

static void late_comes_online(void)
{
	smp_tlb_test_hook = 0;
	__atomic_fetch_or(&cpu_online_mask.bits[late_cpu / 64],
			  1ULL << (late_cpu % 64), __ATOMIC_RELEASE);
}

int selftest_tlb_online(void)
{
	int n, *list = test_percpu(&n), fail = 0;
	uint64_t *before = test_before;
	struct cpumask sent;

	if (n < 2) {
		kprintf("tlb-online: needs at least 2 CPUs, have %d", n);
		return 1;
	}
	/* The latecomer is another CPU than this one, chosen with preemption
	 * off and kept off until it is released (as callfunc's order check):
	 * "the last CPU" was this one after test=callfunc, and the holding
	 * call then ran here and never returned; a thread moved onto the
	 * held CPU would never run again to release it. */
	preempt_disable();
	late_cpu = cpu_online_other(this_cpu()->id);
	atomic_store(&late_hold, 1);
	smp_call_on(late_cpu, late_hold_here, 0, false);
	if (!WAIT_FOR(atomic_load(&late_hold) == 2)) {
		preempt_enable();
		kprintf("tlb-online: cpu%d never ran the holding call", late_cpu);
		return 1;
	}
	for (int k = 0; k < n; k++)
		before[list[k]] = smp_tlb_flushes(list[k]);
	__atomic_fetch_and(&cpu_online_mask.bits[late_cpu / 64],
			   ~(1ULL << (late_cpu % 64)), __ATOMIC_RELEASE);
	smp_tlb_test_hook = late_comes_online;
	tlb_shootdown(0, 0);
	/* Checked before the latecomer is released: it cannot have
	 * flushed yet, so if it was sent an IPI the shootdown returned
	 * too early. */
	smp_tlb_last_targets(&sent);
	for (int k = 0; k < n; k++) {
		int cpu = list[k];
		if (cpumask_test(&sent, cpu) && smp_tlb_flushes(cpu) == before[cpu]) {
			kprintf("tlb-online: shootdown returned before cpu%d, which "
				"it sent an IPI, had flushed", cpu);
			fail = 1;
		}
	}
	smp_tlb_test_hook = 0;
	atomic_store(&late_hold, 0);
	preempt_enable();
	kprintf("tlb-online: cpu%d came online while targets were chosen: %s",
		late_cpu, cpumask_test(&sent, late_cpu) ? "sent an IPI" :
		"left out (it flushes as it comes online)");
	/* Everyone, the latecomer included, must answer a shootdown now. */
	tlb_shootdown(0, 0);
	return fail;
}

/* ---- test=lockstress -------------------------------------------------------------- */

/* Kept modest: under TCG a preempted lock holder's vCPU stalls everyone
 * (interrupts are off while spinning), so time grows much faster than
 * the count. */
#define LOCKSTRESS_ITERS 3000
static struct spinlock stress_lock = SPINLOCK_INIT("test-stress");
static uint64_t stress_counter; /* guarded by stress_lock */
static atomic_ulong stress_atomic;

static void stress(void *arg)
{
	(void)arg;
	for (int i = 0; i < LOCKSTRESS_ITERS; i++) {
		spin_lock(&stress_lock);
		/* A non-atomic read-modify-write: lost updates if the lock
		 * ever let two CPUs in. */
		uint64_t v = stress_counter;
		__asm__ volatile("" ::: "memory");
		stress_counter = v + 1;
		spin_unlock(&stress_lock);
		atomic_fetch_add_explicit(&stress_atomic, 1, memory_order_relaxed);
	}
}

int selftest_lockstress(void)
{
	int n;

	test_percpu(&n);
	struct cpumask all = cpu_online_mask;
	uint64_t t0 = now_ns();

	/* From zero on every run: a second test=lockstress in one list
	 * counted on from the first run's totals and failed. No CPU runs
	 * stress() now (the previous run waited for all). */
	stress_counter = 0;
	atomic_store(&stress_atomic, 0);
	smp_call_many(&all, stress, 0, true);
	uint64_t want = (uint64_t)n * LOCKSTRESS_ITERS;
	kprintf("lockstress: %d CPUs x %d: locked counter %lu, atomic %lu, "
		"expected %lu (%lu ms)", n, LOCKSTRESS_ITERS, stress_counter,
		atomic_load(&stress_atomic), want, (now_ns() - t0) / 1000000);
	return stress_counter != want || atomic_load(&stress_atomic) != want;
}

/* ---- test=panic-ap -------------------------------------------------------------------- */

static void panic_here(void *arg)
{
	(void)arg;
	panic("deliberate panic on an AP from test=panic-ap");
}

int selftest_panic_ap(void)
{
	if (cpu_online_count() < 2) {
		kprintf("panic-ap: needs at least 2 CPUs");
		return 1;
	}
	/* Start on the last CPU, where a list may have left us: the panic
	 * must still come from another CPU, so that this one is stopped. */
	selftest_start_on_last_cpu(0);
	preempt_disable();
	int me = this_cpu()->id, target = cpu_online_other(me);
	kprintf("panic-ap: cpu%d panics, cpu%d waits to be stopped", target, me);
	smp_call_on(target, panic_here, 0, false);
	/* The AP's panic stops this CPU with an NMI; getting past the wait
	 * means it did not. */
	WAIT_FOR(0);
	preempt_enable();
	kprintf("panic-ap: the AP's panic did not stop cpu%d", me);
	return 1;
}

/* ---- test=lockdep-order, lockdep-irq, lockdep-irq-on ------------------------------- */

/* Each deliberately breaks one lock-validation rule (docs/locking.md); a
 * debug build must panic naming both call sites, so reaching the end of
 * one of these is the failure. Ranks: low 81 < high 82. */
static struct spinlock lockdep_low = SPINLOCK_INIT("test-lockdep-low");
static struct spinlock lockdep_high = SPINLOCK_INIT("test-lockdep-high");
static struct spinlock lockdep_irq = SPINLOCK_INIT("test-lockdep-irq");

static int lockdep_not_caught(const char *rule)
{
	kprintf("%s: not caught (is this a DEBUG=0 build?)", rule);
	return 1;
}

int selftest_lockdep_order(void)
{
	uint64_t f = spin_lock_irqsave(&lockdep_high);
	spin_lock(&lockdep_low); /* rank 81 inside rank 82: out of order */
	spin_unlock(&lockdep_low);
	spin_unlock_irqrestore(&lockdep_high, f);
	return lockdep_not_caught("lockdep-order");
}

static atomic_int irq_lock_taken;

static void take_in_irq(struct timer *t, uint64_t now)
{
	(void)t;
	(void)now;
	spin_lock(&lockdep_irq); /* interrupt context */
	spin_unlock(&lockdep_irq);
	atomic_store(&irq_lock_taken, 1);
}

/* Take lockdep_irq once from this CPU's timer interrupt, and wait. */
static void take_from_interrupt(void)
{
	static struct timer t;
	timer_init(&t, take_in_irq, 0);
	preempt_disable(); /* timer_arm() queues on the CPU it runs on */
	timer_arm(&t, now_ns() + 1000000);
	preempt_enable();
	WAIT_FOR(atomic_load(&irq_lock_taken));
}

int selftest_lockdep_irq(void)
{
	spin_lock(&lockdep_irq); /* interrupts on: now it is irq-unsafe */
	spin_unlock(&lockdep_irq);
	take_from_interrupt();
	return lockdep_not_caught("lockdep-irq");
}

int selftest_lockdep_irq_on(void)
{
	take_from_interrupt();
	if (!atomic_load(&irq_lock_taken)) {
		kprintf("lockdep-irq-on: the timer never fired");
		return 1;
	}
	spin_lock(&lockdep_irq); /* interrupts on, after interrupt context */
	spin_unlock(&lockdep_irq);
	return lockdep_not_caught("lockdep-irq-on");
}

/* ---- test=irq-exit-migrate -------------------------------------------------------- */

/*
 * A thread preempted inside sched_glue_irq_exit() may resume on another
 * CPU; the rest of that function must then act for the CPU it runs on.
 * Interleaving: spinner S (pinned to cpu A) is preempted at a timer
 * interrupt by the RT thread P, which wakes from a sleep there, so S is
 * suspended inside sched_timer_event(). P disables preemption and notes a
 * reschedule IPI on A (as one arriving now would be: deferred), then moves
 * S to cpu B. S resumes on B and finishes its old interrupt exit. A's
 * noted IPI must still be there when P looks: nothing on B may take it.
 */
static struct thread *mig_spinner_thread;
static atomic_int mig_spinner_cpu = -1;
static atomic_bool mig_stop;
static int mig_a, mig_b, mig_result = -1;

static void mig_spinner(void *arg)
{
	(void)arg;
	while (!atomic_load(&mig_stop)) {
		/* raw: the answer is reported, and a move shows up next turn */
		atomic_store(&mig_spinner_cpu, raw_this_cpu()->id);
		cpu_relax();
	}
}

static void mig_preempter(void *arg)
{
	struct cpumask to_b;
	(void)arg;
	if (!WAIT_FOR(atomic_load(&mig_spinner_cpu) == mig_a)) {
		kprintf("irq-exit-migrate: the spinner never ran on cpu%d", mig_a);
		mig_result = 1;
		atomic_store(&mig_stop, true);
		return;
	}
	/* Wake by the timer on A, where the spinner is running. */
	thread_sleep_for(5000000);
	preempt_disable();
	uint64_t f = irq_save();
	sched_glue_resched_ipi(); /* noted on A, deferred: we are pinned */
	irq_restore(f);
	cpumask_clear(&to_b);
	cpumask_set(&to_b, mig_b);
	thread_set_affinity(mig_spinner_thread, &to_b);
	bool moved = WAIT_FOR(atomic_load(&mig_spinner_cpu) == mig_b);
	bool kept = sched_glue_resched_noted(mig_a);
	preempt_enable(); /* the deferred IPI is acted on now */
	if (!moved)
		kprintf("irq-exit-migrate: the spinner never ran on cpu%d", mig_b);
	else if (!kept)
		kprintf("irq-exit-migrate: cpu%d's noted reschedule IPI was taken "
			"by a thread that resumed on cpu%d", mig_a, mig_b);
	mig_result = !moved || !kept;
	atomic_store(&mig_stop, true);
}

int selftest_irq_exit_migrate(void)
{
	int n, *list = test_percpu(&n), err;
	struct cpumask on_a;
	struct sched_attr rt = { .policy = SCHED_POLICY_FIFO, .rt_priority = 50 };

	if (n < 2) {
		kprintf("irq-exit-migrate: needs at least 2 CPUs, have %d", n);
		return 1;
	}
	/* From zero on every run: a second test=irq-exit-migrate in one
	 * list found mig_stop set (its spinner stopped at once) and the
	 * spinner's CPU still mig_b, so nothing was interleaved. */
	atomic_store(&mig_stop, false);
	atomic_store(&mig_spinner_cpu, -1);
	mig_result = -1;
	mig_a = list[n - 2];
	mig_b = list[n - 1];
	cpumask_clear(&on_a);
	cpumask_set(&on_a, mig_a);
	mig_spinner_thread = kthread_create("mig-spinner", mig_spinner, 0, 0,
					    &on_a, &err);
	struct thread *p = kthread_create("mig-preempter", mig_preempter, 0, &rt,
					  &on_a, &err);
	if (!mig_spinner_thread || !p) {
		kprintf("irq-exit-migrate: cannot create threads (%d)", err);
		return 1;
	}
	kthread_join(p, 0);
	kthread_join(mig_spinner_thread, 0);
	if (!mig_result)
		kprintf("irq-exit-migrate: cpu%d's noted IPI survived the spinner "
			"resuming on cpu%d", mig_a, mig_b);
	return mig_result;
}

/* ---- test=spin-owner ------------------------------------------------------------ */

/*
 * A thread waiting for a spinlock must not move to another CPU: if it
 * could, the owner CPU it recorded would be stale once it got the lock
 * (and a later acquire on that CPU would be taken for a recursion).
 * Interleaving, on cpus A, B, C: holder H (pinned to B) takes the lock
 * with interrupts on; waiter W (pinned to A) queues for it; mover M (on C)
 * sees W's ticket taken, then moves W to B. A waiter that can be preempted
 * is switched out by the reschedule IPI and queued on B; a pinned one
 * keeps A with the IPI's work noted and deferred. M releases H as soon as
 * either is visible, and W reports the CPU it holds the lock on next to
 * the owner CPU the lock recorded.
 */
static struct spinlock owner_lock = SPINLOCK_INIT("test-owner");
static atomic_int owner_release, owner_w_cpu = -1, owner_w_owner = -1;
static struct thread *_Atomic owner_waiter;
static int owner_a, owner_b;

static void owner_holder(void *arg)
{
	(void)arg;
	spin_lock(&owner_lock); /* interrupts on, on B */
	while (!atomic_load(&owner_release))
		cpu_relax();
	spin_unlock(&owner_lock);
}

static void owner_wait(void *arg)
{
	(void)arg;
	spin_lock(&owner_lock);
	atomic_store(&owner_w_cpu, raw_this_cpu()->id); /* pinned: exact */
	atomic_store(&owner_w_owner, owner_lock.owner_cpu);
	spin_unlock(&owner_lock);
}

static unsigned owner_tickets_out(void)
{
	return atomic_load(&owner_lock.next) - atomic_load(&owner_lock.serving);
}

static void owner_mover(void *arg)
{
	struct cpumask to_b;
	(void)arg;
	/* Two tickets out: H holds the lock and W is spinning for it. */
	WAIT_FOR(owner_tickets_out() == 2 && owner_waiter);
	cpumask_clear(&to_b);
	cpumask_set(&to_b, owner_b);
	thread_set_affinity(owner_waiter, &to_b);
	WAIT_FOR(sched_glue_resched_noted(owner_a) ||
		 __atomic_load_n(&owner_waiter->cpu, __ATOMIC_RELAXED) == owner_b);
	atomic_store(&owner_release, 1);
}

int selftest_spin_owner(void)
{
	int n, *list = test_percpu(&n), err;
	struct cpumask on_a, on_b, on_c;

	if (n < 3) {
		kprintf("spin-owner: needs at least 3 CPUs, have %d", n);
		return 1;
	}
	/* From zero on every run: a second test=spin-owner in one list
	 * found owner_release set (the holder let go at once, so no waiter
	 * queued) and owner_waiter still pointing at the first run's joined
	 * (freed) waiter, which the mover would have moved. */
	atomic_store(&owner_release, 0);
	atomic_store(&owner_w_cpu, -1);
	atomic_store(&owner_w_owner, -1);
	atomic_store(&owner_waiter, NULL);
	owner_a = list[n - 3];
	owner_b = list[n - 2];
	cpumask_clear(&on_a);
	cpumask_set(&on_a, owner_a);
	cpumask_clear(&on_b);
	cpumask_set(&on_b, owner_b);
	cpumask_clear(&on_c);
	cpumask_set(&on_c, list[n - 1]);
	/* This thread moves to C first: a CPU where a thread spins with
	 * preemption off (H on B, W on A) runs nothing else until it stops. */
	preempt_disable();
	struct thread *self = thread_current();
	preempt_enable();
	struct cpumask all;
	cpu_online_snapshot(&all);
	thread_set_affinity(self, &on_c);
	/* raw: once it reads C we are on C, and the affinity keeps us there */
	if (!WAIT_FOR(raw_this_cpu()->id == list[n - 1])) {
		kprintf("spin-owner: cannot move the test thread to cpu%d",
			list[n - 1]);
		return 1;
	}
	struct thread *h = kthread_create("owner-holder", owner_holder, 0, 0,
					  &on_b, &err);
	if (!h || !WAIT_FOR(owner_tickets_out() == 1)) {
		kprintf("spin-owner: the holder never took the lock");
		return 1;
	}
	/* The mover first: this thread may share A with the waiter, which
	 * then keeps A until the mover has the holder release the lock. */
	struct thread *m = kthread_create("owner-mover", owner_mover, 0, 0,
					  &on_c, &err);
	owner_waiter = m ? kthread_create("owner-waiter", owner_wait, 0, 0,
					  &on_a, &err) : 0;
	if (!owner_waiter || !m) {
		kprintf("spin-owner: cannot create threads (%d)", err);
		return 1;
	}
	kthread_join(m, 0);
	kthread_join(owner_waiter, 0);
	kthread_join(h, 0);
	thread_set_affinity(self, &all);
	int got = atomic_load(&owner_w_cpu), owner = atomic_load(&owner_w_owner);
	kprintf("spin-owner: the waiter got the lock on cpu%d; the lock recorded "
		"owner cpu%d", got, owner);
	return got != owner;
}
