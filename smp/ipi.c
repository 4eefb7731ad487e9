// SPDX-License-Identifier: MIT
/*
 * Inter-processor interrupts: reschedule, call-function, TLB shootdown and
 * the NMI that stops every other CPU on panic (smp.h has the contracts).
 *
 * Call-function requests go through a per-CPU mailbox: the sender queues a
 * struct call under the target's mailbox lock, then sends one IPI; the
 * target drains its whole mailbox per interrupt, so IPIs sent while it is
 * busy coalesce without losing requests.
 *
 * Lock ranks (docs/locking.md): tlb 70 -> ipi-mailbox 71 (never held
 * together today). Every entry point that picks "this CPU" runs pinned:
 * tlb_shootdown() under tlb_lock, the call-function ones and
 * smp_stop_others() with preempt_disable().
 */
#include "smp.h"

#include <stdatomic.h>

#include "../drivers/lapic.h"
#include "../kernel/arch/x86.h"
#include "../kernel/cpu.h"
#include "../kernel/ksyms.h"
#include "../kernel/log.h"
#include "../kernel/mm/heap.h"
#include "../kernel/panic.h"
#include "../kernel/preempt.h"
#include "../kernel/sched_glue.h"
#include "../kernel/spinlock.h"
#include "../kernel/time.h"
#include "../kernel/trap.h"
#include "../kernel/vectors.h"

/* Up to this many pages a shootdown uses invlpg; beyond, a CR3 reload. */
#define TLB_INVLPG_MAX_PAGES 32
#define STOP_WAIT_NS (200ULL * 1000 * 1000)

struct call {
	void (*fn)(void *);
	void *arg;
	atomic_int done;
	bool free_after; /* async: the target frees it */
	struct call *next;
};

/* Requests run in the order they were posted (FIFO): a caller that posts
 * "set up" and then "use" to one CPU gets them in that order. */
struct mailbox {
	/* Protects: head, tail (the queue, oldest first). */
	struct spinlock lock;
	struct call *head, *tail;
};

/* cpu_possible_count mailboxes, allocated by smp_ipi_init() on the BSP
 * before any AP starts, never freed; each guarded by its own lock. */
static struct mailbox *mailbox;

static void ipi(int cpu, uint8_t vector)
{
	lapic_send_ipi(cpus[cpu]->apic_id, LAPIC_ICR_FIXED | vector);
}

/* ---- Reschedule --------------------------------------------------------- */

static void reschedule_interrupt(struct trap_frame *f)
{
	struct cpu *c = this_cpu();
	(void)f;
	c->ipis_received++;
	/* Requests are counted in a mailbox, not by interrupts: two IPIs of
	 * one vector sent before the first is serviced arrive as one. */
	c->resched_requests += atomic_exchange_explicit(&c->resched_pending, 0,
							memory_order_acquire);
	sched_glue_resched_ipi();
}

void smp_send_reschedule(int cpu)
{
	atomic_fetch_add_explicit(&cpus[cpu]->resched_pending, 1,
				  memory_order_release);
	ipi(cpu, VEC_IPI_RESCHEDULE);
}

uint64_t smp_ipis_received(int cpu)
{
	return __atomic_load_n(&cpus[cpu]->ipis_received, __ATOMIC_RELAXED);
}

/* ---- Call function ------------------------------------------------------- */

static void call_interrupt(struct trap_frame *f)
{
	struct mailbox *mb = &mailbox[this_cpu()->id];
	(void)f;
	this_cpu()->ipis_received++;
	spin_lock(&mb->lock);
	struct call *list = mb->head;
	mb->head = mb->tail = 0;
	spin_unlock(&mb->lock);
	while (list) {
		struct call *c = list;
		list = c->next;
		c->fn(c->arg);
		if (c->free_after)
			kfree(c);
		else
			atomic_store_explicit(&c->done, 1, memory_order_release);
	}
}

static void post(int cpu, struct call *c)
{
	struct mailbox *mb = &mailbox[cpu];
	uint64_t f = spin_lock_irqsave(&mb->lock);
	c->next = 0;
	if (mb->tail)
		mb->tail->next = c;
	else
		mb->head = c;
	mb->tail = c;
	spin_unlock_irqrestore(&mb->lock, f);
	ipi(cpu, VEC_IPI_CALL_FUNCTION);
}

static void wait_done(struct call *c)
{
	while (!atomic_load_explicit(&c->done, memory_order_acquire))
		cpu_relax();
}

static void run_here(void (*fn)(void *), void *arg)
{
	uint64_t f = irq_save(); /* same context as on the other CPUs */
	fn(arg);
	irq_restore(f);
}

/*
 * The call-function entry points pin the caller with preempt_disable()
 * from the moment they decide which CPU is "me" until every request is
 * posted and, with wait, done: a caller that moved in between would run
 * fn on the wrong CPU, run it twice on one, or skip its own.
 */
int smp_call_on(int cpu, void (*fn)(void *), void *arg, bool wait)
{
	if (cpu < 0 || cpu >= cpu_possible_count || !cpu_online(cpu))
		return -1;
	preempt_disable();
	if (cpu == this_cpu()->id) {
		run_here(fn, arg);
		preempt_enable();
		return 0;
	}
	if (!wait) {
		struct call *c = kzalloc(sizeof(*c));
		if (!c)
			panic("smp: out of memory for an async call");
		c->fn = fn;
		c->arg = arg;
		c->free_after = true;
		post(cpu, c);
		preempt_enable();
		return 0;
	}
	ASSERT(read_rflags() & RFLAGS_IF);
	struct call c = { .fn = fn, .arg = arg };
	post(cpu, &c);
	wait_done(&c);
	preempt_enable();
	return 0;
}

void smp_call_many(const struct cpumask *mask, void (*fn)(void *), void *arg,
		   bool wait)
{
	struct call *calls = 0;
	int n = 0;

	preempt_disable();
	int me = this_cpu()->id;
	int targets = cpumask_count(mask) - cpumask_test(mask, me);
	if (wait && targets > 0) {
		ASSERT(read_rflags() & RFLAGS_IF);
		calls = kzalloc(sizeof(*calls) * (size_t)targets);
		if (!calls)
			panic("smp: out of memory for a call");
	}
	for_each_cpu(cpu, mask) {
		if (cpu == me || !cpu_online(cpu))
			continue;
		if (!wait) {
			smp_call_on(cpu, fn, arg, false);
			continue;
		}
		calls[n] = (struct call){ .fn = fn, .arg = arg };
		post(cpu, &calls[n++]);
	}
	if (cpumask_test(mask, me))
		run_here(fn, arg);
	for (int i = 0; i < n; i++)
		wait_done(&calls[i]);
	preempt_enable();
	kfree(calls);
}

void smp_call_others(void (*fn)(void *), void *arg, bool wait)
{
	struct cpumask m;
	preempt_disable(); /* "others" is relative to the CPU we stay on */
	cpu_online_snapshot(&m);
	cpumask_unset(&m, this_cpu()->id);
	smp_call_many(&m, fn, arg, wait);
	preempt_enable();
}

/* ---- TLB shootdown -------------------------------------------------------- */

/* Protects: tlb_req (one shootdown in flight at a time). Taken with
 * interrupts ON: a CPU waiting for it must still answer the holder's
 * shootdown IPI, or the two would wait on each other forever. */
static struct spinlock tlb_lock = SPINLOCK_INIT("tlb");
static struct {
	uint64_t virt, len;
	atomic_int pending;
	struct cpumask sent; /* the CPUs IPI'd (for smp_tlb_last_targets) */
} tlb_req;

/* Flushes done by each CPU's shootdown handler (statistics and tests):
 * cpu_possible_count counters, allocated by smp_ipi_init() before any AP
 * starts; each added to atomically by its own CPU only. */
static atomic_ulong *tlb_flushes;

void (*smp_tlb_test_hook)(void);

uint64_t smp_tlb_flushes(int cpu)
{
	return atomic_load(&tlb_flushes[cpu]);
}

void smp_tlb_last_targets(struct cpumask *out)
{
	spin_lock(&tlb_lock);
	*out = tlb_req.sent;
	spin_unlock(&tlb_lock);
}

static void flush_local(uint64_t virt, uint64_t len)
{
	cpu_assert_pinned(); /* flushing "this" CPU means one CPU throughout */
	if (len == 0 || len / 4096 > TLB_INVLPG_MAX_PAGES) {
		write_cr3(read_cr3());
		return;
	}
	for (uint64_t a = virt & ~0xfffULL; a < virt + len; a += 4096)
		__asm__ volatile("invlpg (%0)" ::"r"(a) : "memory");
}

static void tlb_interrupt(struct trap_frame *f)
{
	(void)f;
	this_cpu()->ipis_received++;
	flush_local(tlb_req.virt, tlb_req.len);
	atomic_fetch_add(&tlb_flushes[this_cpu()->id], 1);
	atomic_fetch_sub_explicit(&tlb_req.pending, 1, memory_order_release);
}

/* Both shootdowns: `mask` NULL means every online CPU (kernel mappings),
 * else only the CPUs in it (an address space's CPU mask, which its owner
 * updates atomically while we read it: a CPU that joins after our read
 * loads the new tables after the change we follow, and one that leaves
 * has already loaded other tables). */
static void shootdown(const struct cpumask *mask, uint64_t virt, uint64_t len)
{
	ASSERT(read_rflags() & RFLAGS_IF);
	/* The lock pins us (preemption off): the CPU flushed locally, the
	 * one left out of the IPIs and the one waiting are the same. */
	spin_lock(&tlb_lock);
	int me = this_cpu()->id;
	if (!mask || cpumask_test(mask, me))
		flush_local(virt, len);
	tlb_req.virt = virt;
	tlb_req.len = len;
	/* One snapshot decides both the count waited for and the CPUs sent
	 * an IPI: a CPU that comes online after it is left out, and flushes
	 * its own TLB as it comes online (cpu_mark_online), after the
	 * mapping change this follows. */
	cpu_online_snapshot(&tlb_req.sent);
	if (mask)
		for (int i = 0; i < CPUMASK_WORDS; i++)
			tlb_req.sent.bits[i] &= __atomic_load_n(&mask->bits[i],
								__ATOMIC_SEQ_CST);
	cpumask_unset(&tlb_req.sent, me);
	atomic_store_explicit(&tlb_req.pending, cpumask_count(&tlb_req.sent),
			      memory_order_release);
	if (smp_tlb_test_hook)
		smp_tlb_test_hook();
	for_each_cpu(cpu, &tlb_req.sent)
		ipi(cpu, VEC_IPI_TLB_SHOOTDOWN);
	while (atomic_load_explicit(&tlb_req.pending, memory_order_acquire))
		cpu_relax();
	spin_unlock(&tlb_lock);
}

void tlb_shootdown(uint64_t virt, uint64_t len)
{
	shootdown(0, virt, len);
}

void tlb_shootdown_mask(const struct cpumask *mask, uint64_t virt,
			uint64_t len)
{
	shootdown(mask, virt, len);
}

/* ---- Stop ------------------------------------------------------------------ */

static atomic_int stop_mode;	/* 0 none, 1 quiet, 2 report */
static atomic_int stopped;

bool smp_nmi_stop(struct trap_frame *f)
{
	int mode = atomic_load(&stop_mode);
	if (!mode)
		return false;
	if (mode == 2) {
		uint64_t off;
		const char *sym = ksym_lookup(f->rip, &off);
		kprintf("stopped by NMI: rip %016lx %s+0x%lx rsp %016lx rflags %lx",
			f->rip, sym ? sym : "?", sym ? off : 0, f->rsp, f->rflags);
	}
	atomic_fetch_add(&stopped, 1);
	for (;;) {
		irq_disable();
		hlt();
	}
}

void smp_stop_others(bool report)
{
	if (lapic_mode() == LAPIC_MODE_NONE)
		return;
	/* "Every CPU but me" must mean the CPU this runs on throughout. */
	if (cpu_ready)
		preempt_disable();
	int me = cpu_ready ? this_cpu()->id : 0, others = 0;
	atomic_store(&stop_mode, report ? 2 : 1);
	for (int cpu = 0; cpu < cpu_possible_count; cpu++) {
		if (cpu == me || !cpu_online(cpu))
			continue;
		lapic_send_ipi(cpus[cpu]->apic_id, LAPIC_ICR_NMI);
		others++;
	}
	/* Give them a moment to print; never wait forever on a dead CPU. */
	uint64_t end = now_ns() + STOP_WAIT_NS;
	while (atomic_load(&stopped) < others && now_ns() < end)
		cpu_relax();
	if (cpu_ready)
		preempt_enable();
}

void smp_ipi_init(void)
{
	mailbox = kzalloc(sizeof(*mailbox) * (size_t)cpu_possible_count);
	tlb_flushes = kzalloc(sizeof(*tlb_flushes) * (size_t)cpu_possible_count);
	if (!mailbox || !tlb_flushes)
		panic("smp: no memory for %d CPUs' IPI mailboxes",
		      cpu_possible_count);
	for (int i = 0; i < cpu_possible_count; i++)
		mailbox[i].lock = (struct spinlock)SPINLOCK_INIT("ipi-mailbox");
	trap_set_handler(VEC_IPI_RESCHEDULE, reschedule_interrupt);
	trap_set_handler(VEC_IPI_CALL_FUNCTION, call_interrupt);
	trap_set_handler(VEC_IPI_TLB_SHOOTDOWN, tlb_interrupt);
}
