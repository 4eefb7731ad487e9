// SPDX-License-Identifier: MIT
#include "selftest.h"

#include "../drivers/fbcon.h"
#include "../drivers/qemu_exit.h"
#include "arch/x86.h"
#include "cpu.h"
#include "fs/vfs_test.h"
#include "kthread.h"
#include "mm/kstack.h"
#include "../smp/selftests.h"
#include "sched_stress.h"
#include "sched_tests.h"
#include "trace.h"
#include "../smp/smp.h"
#include "lib/string.h"
#include "log.h"
#include "mm/aspace_test.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/pmm_node_test.h"
#include "panic.h"
#include "platform.h"
#include "power.h"
#include "../sched/sched.h"

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

/* An address in the unmapped gap between the direct map and the kernel
 * image: above the direct-map base, so a walker that only checks "is it a
 * kernel address" follows it and faults. */
#define UNMAPPED_KERNEL_ADDR 0xffffc00000000000ULL

/* Null write with rbp pointing at UNMAPPED_KERNEL_ADDR (rdi): the exception
 * report's backtrace starts from a corrupt frame pointer. In assembly
 * because C cannot clobber rbp under -fno-omit-frame-pointer. */
void fault_bad_fp(uint64_t bad_rbp) __attribute__((noreturn));
__asm__(".text\n"
	".globl fault_bad_fp\n"
	".type fault_bad_fp, @function\n"
	"fault_bad_fp:\n"
	"	mov %rdi, %rbp\n"
	"	movq $1, 0\n"
	"	ud2\n"
	".size fault_bad_fp, . - fault_bad_fp\n");

static int test_fault_bad_fp(void)
{
	fault_bad_fp(UNMAPPED_KERNEL_ADDR);
}

/* A fault inside the fatal report itself: the message argument is an
 * unmapped string, so formatting the PANIC line faults. */
static int test_panic_bad_arg(void)
{
	panic("message from %s", (const char *)UNMAPPED_KERNEL_ADDR);
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

/* ---- CR4.MCE on every CPU --------------------------------------------- */

#define CR4_SEEN_RAN ((uint64_t)1 << 63) /* the CPU answered */
/* cpu_possible_count entries while the test runs; each CPU writes its own. */
static uint64_t *cr4_seen;

static void read_my_cr4(void *arg)
{
	(void)arg;
	cr4_seen[this_cpu()->id] = read_cr4() | CR4_SEEN_RAN;
}

/* Without CR4.MCE a machine check shuts the CPU down instead of reaching
 * the #MC handler: every online CPU must have it set. */
static int test_cr4_mce(void)
{
	struct cpumask online;
	int n, bad = 0;

	cr4_seen = kzalloc(sizeof(*cr4_seen) * (size_t)cpu_possible_count);
	if (!cr4_seen) {
		kprintf("cr4-mce: no memory");
		return 1;
	}
	cpu_online_snapshot(&online);
	n = cpumask_count(&online);
	smp_call_many(&online, read_my_cr4, 0, true);
	for_each_cpu(cpu, &online) {
		uint64_t v = cr4_seen[cpu];
		if (!(v & CR4_SEEN_RAN) || !(v & CR4_MCE)) {
			kprintf("cr4-mce: cpu%d: CR4 %#lx: machine checks %s",
				cpu, v & ~CR4_SEEN_RAN,
				v & CR4_SEEN_RAN ? "disabled" :
						   "not checked (no answer)");
			bad++;
		}
	}
	kfree(cr4_seen);
	cr4_seen = 0;
	kprintf("cr4-mce: %d of %d CPUs have CR4.MCE set", n - bad, n);
	return bad != 0;
}

/* ---- Guarded stacks ---------------------------------------------------- */

/* Each level keeps a 256-byte frame live across the recursive call (no
 * tail call), so the stack only grows. The limit is only there so the
 * compiler accepts the recursion: no stack reaches it. */
static volatile int recurse_limit = 1 << 30;

__attribute__((noinline)) static int recurse_forever(int depth)
{
	volatile char pad[256];
	if (depth >= recurse_limit)
		return 0;
	pad[0] = (char)depth;
	int r = recurse_forever(depth + 1);
	return r + pad[0];
}

static void overflow_thread(void *arg)
{
	(void)arg;
	recurse_forever(0);
}

/* A kernel thread runs off the bottom of its stack: the guard page turns
 * that into one "stack overflow in thread overflow on cpuN" report. */
static int test_stack_overflow(void)
{
	int err;
	struct thread *t =
		kthread_create("overflow", overflow_thread, 0, 0, 0, &err);
	if (!t) {
		kprintf("stack-overflow: cannot create the thread (%d)", err);
		return 1;
	}
	kthread_join(t, 0);
	kprintf("stack-overflow: the thread returned from endless recursion");
	return 1;
}

/* One pass of the kstack test: `rounds` allocations, LIVE alive at a time,
 * each checked zeroed and writable. 0 = pass. */
static int kstack_pass(int rounds)
{
	enum { LIVE = 8 };
	uint64_t live[LIVE] = { 0 };

	for (int r = 0; r < rounds; r++) {
		int k = r % LIVE;
		if (live[k])
			kstack_free(live[k]);
		live[k] = kstack_alloc(1 + r % 3, KSTACK_CPU, 0, "test");
		if (!live[k]) {
			kprintf("kstack: allocation %d failed", r);
			return 1;
		}
		volatile uint64_t *w = (uint64_t *)(live[k] - 8);
		if (*w != 0) {
			kprintf("kstack: stack %d at %#lx not zeroed", r, live[k]);
			return 1;
		}
		*w = live[k];
	}
	for (int k = 0; k < LIVE; k++)
		kstack_free(live[k]);
	return 0;
}

/* Allocate and free more stacks than the region has slots, so slots are
 * recycled through the TLB shootdown; every page and slot must come back
 * exactly (the region's page tables exist from boot). */
static int test_kstack(void)
{
	const int rounds = KSTACK_SLOTS + KSTACK_SLOTS / 4;
	int in_use_before = kstack_in_use();
	uint64_t pages_before = pmm_free_count();
	if (kstack_pass(rounds))
		return 1;
	if (pmm_free_count() != pages_before ||
	    kstack_in_use() != in_use_before) {
		kprintf("kstack: free pages %lu -> %lu, stacks in use %d -> %d",
			pages_before, pmm_free_count(), in_use_before,
			kstack_in_use());
		return 1;
	}
	kprintf("kstack: %d stacks allocated and freed; slots recycled", rounds);
	return 0;
}

extern const struct boot_info *boot_info;

/* A firmware address (an ACPI table pointer, a memory-space power
 * register) inside the framebuffer, whose direct-map alias the screen
 * console unmapped: the ACPI parser's map must refuse it, not hand out a
 * pointer that faults (a panic on bad firmware input). */
static int test_dmap_hole(void)
{
	uint64_t fb = boot_info->fb.phys;
	if (!fbcon_active() || fb == 0 || fb >= boot_info->direct_map_size) {
		kprintf("dmap-hole: no screen console in the direct map; "
			"nothing to check");
		return 1;
	}
	const volatile uint8_t *p = platform_acpi_map_for_test(fb, 36);
	if (!p) {
		kprintf("dmap-hole: a table at the framebuffer %#lx is refused",
			fb);
		return 0;
	}
	kprintf("dmap-hole: a table at the framebuffer %#lx maps to %p", fb,
		(const void *)p);
	kprintf("dmap-hole: first byte %#x", *p); /* mapped: readable */
	return 0;
}

static const struct selftest tests[] = {
	{ "boot", test_boot, "boot to the ready line, then pass" },
	{ "dmap-hole", test_dmap_hole,
	  "an ACPI address inside the framebuffer's unmapped direct-map alias "
	  "is refused, not faulted on" },
	{ "fault", test_fault, "null pointer write: exception report" },
	{ "panic", test_panic, "panic() with a symbolized backtrace" },
	{ "fault-bad-fp", test_fault_bad_fp,
	  "exception with a frame pointer into unmapped kernel space: the "
	  "report ends with the failure exit" },
	{ "panic-bad-arg", test_panic_bad_arg,
	  "a fault while printing the panic message: one line, failure exit" },
	{ "cr4-mce", test_cr4_mce, "CR4.MCE is set on every CPU" },
	{ "stack-overflow", test_stack_overflow,
	  "endless recursion in a kernel thread: a stack overflow report" },
	{ "kstack", test_kstack,
	  "guarded stacks: allocate/free past the slot count, all returned" },
	{ "vfs", vfs_selftest,
	  "initramfs read-back, directories, lookup errors, fds, devices, console, pipes" },
	{ "vfs-console", vfs_console_selftest,
	  "read a typed line and EOF from /dev/console (Ctrl-T line to the kernel)" },
	{ "pmm", test_pmm, "page allocator: exhaust-ish, verify, free" },
	{ "numa", selftest_numa,
	  "node-local pages, resident pages per node, fallback when a node is full" },
	{ "heap", test_heap, "kmalloc/kfree patterns, contents checked" },
	{ "aspace", selftest_aspace,
	  "user address spaces: faults, COW, user copies, targeted shootdown" },
	{ "aspace-smap", selftest_aspace_smap,
	  "a kernel read of user memory outside the copy routines: SMAP fault" },
	{ "aspace-smep", selftest_aspace_smep,
	  "a kernel call into a user page: SMEP fault" },
	{ "timer", selftest_timer,
	  "every CPU's timers fire in order; now_ns() monotonic across CPUs" },
	{ "ipi", selftest_ipi, "every CPU sends IPIs to every other; exact counts" },
	{ "callfunc", selftest_callfunc, "call-function: one, many, async" },
	{ "tlb", selftest_tlb, "remap a page, shoot down, all CPUs see it" },
	{ "tlb-online", selftest_tlb_online,
	  "a CPU coming online mid-shootdown is waited for or left out" },
	{ "lockstress", selftest_lockstress,
	  "all CPUs hammer a lock and an atomic; exact totals" },
	{ "sched-cpus", selftest_sched_cpus,
	  "one thread pinned to each online CPU: every CPU runs its own" },
	{ "sched-nohz", selftest_sched_nohz,
	  "one fair thread per CPU: no switches, no timer interrupts, no moves" },
	{ "sched-share", selftest_sched_share,
	  "CPUs + 1 equal threads: CPU-time shares within 10%" },
	{ "sched-share-stall", selftest_sched_share_stall,
	  "sched-share after every CPU was held 1 s with interrupts off" },
	{ "sched-rt", selftest_sched_rt,
	  "RT wakes through full fair load; strict RT priority order" },
	{ "sched-deadline", selftest_sched_deadline,
	  "EDF jobs within budget meet their deadlines under load; admission "
	  "refuses over the bound" },
	{ "sched-throttle", selftest_sched_throttle,
	  "a runaway RT thread is throttled; fair work still progresses" },
	{ "sched-storm", selftest_sched_storm,
	  "create/exit/migrate storms: nothing lost, memory returns" },
	{ "sched-stress", selftest_sched_stress,
	  "threads create/exit/join, sleep, block, wake and change each "
	  "other's attributes for stress_s= seconds; exact accounting" },
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
	{ "power-stop", power_selftest_stop,
	  "stop a CPU that holds the log lock; the stopper still logs" },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* The test called [name, name + len), or 0. */
static const struct selftest *selftest_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NTESTS; i++)
		if (strlen(tests[i].name) == len &&
		    memcmp(tests[i].name, name, len) == 0)
			return &tests[i];
	return 0;
}

/* Length of the list item that starts at p (up to the next ',' or end). */
static size_t item_len(const char *p)
{
	const char *c = strchr(p, ',');
	return c ? (size_t)(c - p) : strlen(p);
}

static void refuse(const char *list, const char *item, size_t len)
{
	if (strchr(list, ','))
		kprintf("test: unknown test '%.*s' in the list '%s'; nothing "
			"run; known tests:", (int)len, item, list);
	else
		kprintf("test: unknown test '%s'; known tests:", list);
	for (size_t i = 0; i < NTESTS; i++)
		kprintf("test:   %-6s %s", tests[i].name, tests[i].what);
	qemu_exit(QEMU_EXIT_FAILURE);
}

void selftest_start_on_last_cpu(struct cpumask *was)
{
	struct cpumask on_last;

	if (was)
		thread_get_affinity(thread_current(), was);
	cpumask_clear(&on_last);
	cpumask_set(&on_last, cpu_online_last());
	thread_set_affinity(thread_current(), &on_last);
}

void selftest_run(const char *list)
{
	int count = 0, passed = 0, failed = 0;

	/* Every name is checked before anything runs: a typo at the end of
	 * a long list must not cost the boot that ran the rest. */
	for (const char *p = list;; p += item_len(p) + 1) {
		size_t len = item_len(p);
		const struct selftest *t = selftest_find(p, len);
		if (!t)
			refuse(list, p, len);
		/* power-stop returns with the other CPUs stopped: a test
		 * after it would wait for them forever. */
		if (t->run == power_selftest_stop && p[len]) {
			kprintf("test: %s leaves the other CPUs stopped: only the "
				"last test of a list; nothing run", t->name);
			qemu_exit(QEMU_EXIT_FAILURE);
		}
		count++;
		if (!p[len])
			break;
	}
	for (const char *p = list;; p += item_len(p) + 1) {
		size_t len = item_len(p);
		const struct selftest *t = selftest_find(p, len);
		kprintf("test: %s: %s", t->name, t->what);
		int r = t->run();
		kprintf("test: %s: %s", t->name, r ? "FAIL" : "PASS");
		if (r) {
			failed = 1;
			if (count > 1)
				kprintf("test: list: %s failed after %d of %d "
					"passed; the rest not run", t->name,
					passed, count);
			break;
		}
		passed++;
		if (!p[len])
			break;
	}
	if (count > 1 && !failed)
		kprintf("test: list: all %d passed (%s)", count, list);
	if (trace_dump_requested())
		trace_dump();
	smp_stop_others(false);
	qemu_exit(failed ? QEMU_EXIT_FAILURE : QEMU_EXIT_SUCCESS);
}
