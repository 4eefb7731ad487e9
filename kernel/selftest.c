// SPDX-License-Identifier: MIT
#include "selftest.h"

#include "../drivers/qemu_exit.h"
#include "../smp/selftests.h"
#include "sched_tests.h"
#include "trace.h"
#include "../smp/smp.h"
#include "lib/string.h"
#include "log.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "panic.h"

struct selftest {
	const char *name;
	int (*run)(void); /* 0 = pass */
	const char *what;
};

static int test_boot(void)
{
	return 0; /* reaching this point is the test */
}

/* Kept out of line, with a name, so the backtrace has frames to show. */
__attribute__((noinline)) static void fault_deref(volatile int *p)
{
	*p = 1;
}

static int test_fault(void)
{
	fault_deref((volatile int *)0);
	return 1; /* unreachable: the page fault ends the boot */
}

__attribute__((noinline)) static void panic_leaf(const char *why)
{
	panic("deliberate panic from test=%s", why);
}

__attribute__((noinline)) static void panic_middle(const char *why)
{
	panic_leaf(why);
	__asm__ volatile("" ::: "memory"); /* keep the frame: no tail call */
}

static int test_panic(void)
{
	panic_middle("panic");
	return 1;
}

/* Allocate until the pool runs out, check every page is distinct and
 * writable, free it all, and check the count comes back exactly. */
static int test_pmm(void)
{
	enum { N = 4096 };
	static uint64_t pages[N];
	uint64_t before = pmm_free_count();
	int n = 0;

	for (; n < N; n++) {
		pages[n] = pmm_alloc_pages(1 + n % 3);
		if (!pages[n])
			break;
		*(volatile uint64_t *)phys_to_virt(pages[n]) = pages[n];
	}
	for (int i = 0; i < n; i++)
		if (*(volatile uint64_t *)phys_to_virt(pages[i]) != pages[i]) {
			kprintf("pmm: page %#lx was handed out twice", pages[i]);
			return 1;
		}
	for (int i = 0; i < n; i++)
		pmm_free_pages(pages[i], 1 + i % 3);
	if (pmm_free_count() != before) {
		kprintf("pmm: %lu free pages before, %lu after", before,
			pmm_free_count());
		return 1;
	}
	kprintf("pmm: %d allocations checked and returned", n);
	return 0;
}

static int test_heap(void)
{
	enum { N = 2000 };
	static unsigned char *obj[N];
	uint64_t before = pmm_free_count();

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			size_t sz = 1 + (size_t)(i * 37 + round * 11) % 6000;
			obj[i] = kmalloc(sz);
			if (!obj[i] || ((uintptr_t)obj[i] & 15)) {
				kprintf("heap: kmalloc(%zu) gave %p", sz, obj[i]);
				return 1;
			}
			memset(obj[i], i & 0xff, sz);
		}
		for (int i = 0; i < N; i++) {
			size_t sz = 1 + (size_t)(i * 37 + round * 11) % 6000;
			for (size_t b = 0; b < sz; b++)
				if (obj[i][b] != (i & 0xff)) {
					kprintf("heap: object %d overwritten", i);
					return 1;
				}
		}
		for (int i = 0; i < N; i += 2)
			kfree(obj[i]);
		for (int i = 1; i < N; i += 2)
			kfree(obj[i]);
	}
	/* Small-object pages stay cached in the free lists; large objects
	 * must all have gone back to pmm. */
	kprintf("heap: %d objects x 3 rounds; pmm free pages %lu -> %lu", N,
		before, pmm_free_count());
	return 0;
}

static const struct selftest tests[] = {
	{ "boot", test_boot, "boot to the ready line, then pass" },
	{ "fault", test_fault, "null pointer write: exception report" },
	{ "panic", test_panic, "panic() with a symbolized backtrace" },
	{ "pmm", test_pmm, "page allocator: exhaust-ish, verify, free" },
	{ "heap", test_heap, "kmalloc/kfree patterns, contents checked" },
	{ "timer", selftest_timer,
	  "every CPU's timers fire in order; now_ns() monotonic across CPUs" },
	{ "ipi", selftest_ipi, "every CPU sends IPIs to every other; exact counts" },
	{ "callfunc", selftest_callfunc, "call-function: one, many, async" },
	{ "tlb", selftest_tlb, "remap a page, shoot down, all CPUs see it" },
	{ "tlb-online", selftest_tlb_online,
	  "a CPU coming online mid-shootdown is waited for or left out" },
	{ "lockstress", selftest_lockstress,
	  "all CPUs hammer a lock and an atomic; exact totals" },
	{ "sched-nohz", selftest_sched_nohz,
	  "one fair thread per CPU: no switches, no timer interrupts, no moves" },
	{ "sched-share", selftest_sched_share,
	  "CPUs + 1 equal threads: CPU-time shares within 10%" },
	{ "sched-rt", selftest_sched_rt,
	  "RT wakes through full fair load; strict RT priority order" },
	{ "sched-deadline", selftest_sched_deadline,
	  "EDF jobs within budget meet their deadlines under load; admission "
	  "refuses over the bound" },
	{ "sched-throttle", selftest_sched_throttle,
	  "a runaway RT thread is throttled; fair work still progresses" },
	{ "sched-storm", selftest_sched_storm,
	  "create/exit/migrate storms: nothing lost, memory returns" },
	{ "trace-mix", selftest_trace_mix,
	  "EDF, RT and fair threads for 300 ms: the `make trace` scenario" },
	{ "panic-ap", selftest_panic_ap,
	  "a panic on an AP stops every CPU and fails the run" },
	{ "irq-exit-migrate", selftest_irq_exit_migrate,
	  "a thread preempted in an interrupt exit resumes on another CPU" },
	{ "spin-owner", selftest_spin_owner,
	  "a thread moved while waiting for a spinlock: the owner it records" },
	{ "lockdep-order", selftest_lockdep_order,
	  "locks taken out of rank order: a panic naming both sites" },
	{ "lockdep-irq", selftest_lockdep_irq,
	  "a lock taken with interrupts on, then in an interrupt: a panic" },
	{ "lockdep-irq-on", selftest_lockdep_irq_on,
	  "a lock taken in an interrupt, then with interrupts on: a panic" },
};

void selftest_run(const char *name)
{
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (strcmp(tests[i].name, name) != 0)
			continue;
		kprintf("test: %s: %s", name, tests[i].what);
		int r = tests[i].run();
		kprintf("test: %s: %s", name, r ? "FAIL" : "PASS");
		if (trace_dump_requested())
			trace_dump();
		smp_stop_others(false);
		qemu_exit(r ? QEMU_EXIT_FAILURE : QEMU_EXIT_SUCCESS);
	}
	kprintf("test: unknown test '%s'; known tests:", name);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		kprintf("test:   %-6s %s", tests[i].name, tests[i].what);
	qemu_exit(QEMU_EXIT_FAILURE);
}
