/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state. Each CPU reaches its own struct cpu through the GS base
 * (this_cpu()); the index is the dense logical id, 0 = BSP, never the APIC
 * id. It holds what is truly per CPU: descriptor tables and exception
 * stacks, the timer queue, statistics, the reschedule mailbox, the
 * preemption-disable count and the held-locks stack. The run queues live in sched/ (indexed by the
 * same id); the AP start-up slots in smp/boot.c.
 *
 * Read next: kernel/gdt.c (what the descriptor tables hold), smp/smp.h.
 */
#ifndef COHORT_CPU_H
#define COHORT_CPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86.h"
#include "cpumask.h"
#include "gdt.h"
#include "spinlock.h"
#include "timer.h"
#include "topology.h"

/* Debug builds (make DEBUG=1, the default): this_cpu() asserts it cannot
 * be migrated, and every lock acquisition is validated (docs/locking.md).
 * A constant, not #ifdef, so both variants always compile. */
#ifndef COHORT_DEBUG
#define COHORT_DEBUG 0
#endif

#define IST_STACK_SIZE (16 * 1024)

enum cpu_state {
	CPU_OFFLINE = 0,
	CPU_BOOTING,
	CPU_ONLINE,
	CPU_FAILED,
};

struct cpu {
	/* Must stay first: this_cpu() loads it from %gs:0. */
	struct cpu *self;
	/* Owned by this CPU; at fixed offsets for kernel/syscall/entry.S,
	 * which reaches them through %gs before it has a stack. */
	uint64_t syscall_kernel_rsp; /* kernel stack top of the running
				      * user thread (= tss.rsp[0]) */
	uint64_t syscall_user_rsp;   /* scratch: user rsp during entry */
	/* Set before the CPU runs; read-only afterwards (probe mode,
	 * smp/boot.c: apic_id is set by the CPU itself before it marks
	 * itself online, or by the BSP from its slot if it failed). */
	int id;		  /* logical id, 0 = BSP */
	uint32_t apic_id; /* may be sparse; never an index */
	uint32_t acpi_uid;
	/* Written by the BSP before the CPU starts, then by exactly one
	 * side, as its start-up slot decides (smp/slot.h): the CPU itself
	 * (ONLINE, release) if it accepted the slot, the BSP (FAILED or
	 * OFFLINE) if it withdrew it. Others read it with acquire. */
	enum cpu_state state;
	/* Owned by this CPU. */
	/* Preemption-disable count, as Linux's preempt_count
	 * (kernel/preempt.h): each held spinlock and each preempt_disable()
	 * adds one. Nonzero means the thread running here may not be
	 * preempted, so it stays on this CPU; the scheduler preempts only in
	 * sched_glue_irq_exit() and only when it is zero. Per CPU, not per
	 * thread, because the scheduler hands its run-queue lock across a
	 * context switch: prev takes it on this CPU and the next thread to
	 * run here releases it, so the count belongs to the CPU the lock is
	 * held on. Changed only by one incl/decl on %gs, which an interrupt
	 * cannot split from the CPU it applies to. */
	int preempt_count;
	/* Interrupt handlers running on this CPU (nested); sched_glue.c
	 * counts them for trap.c. Read only with interrupts off. */
	int irq_depth;
	/* Lock validation (debug builds; kernel/lockdep.c): the locks held
	 * on this CPU, oldest first. Per CPU for the same reason as
	 * preempt_count. Touched only with preemption disabled. */
#define CPU_HELD_LOCKS_MAX 16
	int held_count;
	struct held_lock held[CPU_HELD_LOCKS_MAX];
	struct gdt gdt;
	struct tss tss;
	uint64_t ist_top[IST_COUNT]; /* exception stacks (set before start) */
	uint64_t online_ns;	     /* now_ns() when it came online */
	/* Timer queue and clockevent state (kernel/timer.h). */
	struct timer_cpu timer;
	/* Statistics, written only by this CPU (others may read them racily). */
	uint64_t exceptions;
	uint64_t irqs;
	uint64_t spurious;
	uint64_t unexpected_vectors;
	uint64_t timer_events;
	uint64_t ipis_received;
	uint64_t resched_requests; /* drained from resched_pending */
	/* Atomic: any CPU adds; this CPU drains in its reschedule IPI. */
	atomic_uint resched_pending;
	/* CPUID topology (kernel/topology_boot.h): written by this CPU at
	 * bring-up before it marks itself online; `node` by the BSP in
	 * topology_boot_summary(); read-only once topology_ready(). */
	struct topo_cpu topo;
};

/* kernel/syscall/entry.S hard-codes these (CPU_SYSCALL_*_RSP). */
_Static_assert(__builtin_offsetof(struct cpu, syscall_kernel_rsp) == 8,
	       "entry.S: CPU_SYSCALL_KERNEL_RSP");
_Static_assert(__builtin_offsetof(struct cpu, syscall_user_rsp) == 16,
	       "entry.S: CPU_SYSCALL_USER_RSP");

_Static_assert(MAX_CPUS <= CPUMASK_BITS, "cpumask too small for MAX_CPUS");

/*
 * Each CPU's struct cpu, by logical id; NULL past the CPUs smp/boot.c set
 * up. A pointer table (8 KiB), not MAX_CPUS structs (~900 KiB at 1024):
 * cpus[0] points at a static struct, because the boot CPU needs its own
 * before the allocator exists (kernel_main's first line); smp_boot_aps()
 * allocates the others and stores each pointer on the BSP before that
 * AP is sent INIT (the trampoline finds its struct through the slot
 * table, smp/boot.c), so a pointer, once seen by anyone, never changes.
 */
extern struct cpu *cpus[MAX_CPUS];

/*
 * How many logical CPU ids exist: 0..cpu_possible_count-1, the CPUs the
 * kernel will try to start (the MADT's, capped by MAX_CPUS and the boot
 * options; smp_plan_cpus()). Per-CPU data is allocated for this many, and
 * loops over CPUs stop here. Written once by the BSP, through
 * cpu_set_possible(), before any per-CPU allocation and before any AP
 * starts; read-only afterwards (1 until then: the BSP alone).
 */
extern int cpu_possible_count;
void cpu_set_possible(int n);

/* Online CPUs. Set by each CPU for itself when it is ready for work,
 * atomically; read by anyone. */
extern struct cpumask cpu_online_mask;
void cpu_mark_online(struct cpu *c);
/* One consistent copy of cpu_online_mask (each word read atomically), for
 * a sequence that must act on the same set of CPUs throughout. */
void cpu_online_snapshot(struct cpumask *out);
bool cpu_online(int cpu);
int cpu_online_count(void);
/* Fill list[] with the online logical ids below `limit`, in order; returns
 * how many. list must hold `limit` entries. */
int cpu_online_list(int *list, int limit);
/* The highest online logical id (0 if only the BSP is). */
int cpu_online_last(void);
/* The highest online logical id other than `me`, or -1 if there is none.
 * Self-tests that park another CPU call it with preemption off and keep
 * it off while that CPU is parked: parked "last CPU" that was their own
 * hung them (power-stop, callfunc, tlb-online). */
int cpu_online_other(int me);

/*
 * The calling CPU's struct cpu, with no check: the answer may be stale by
 * the time it is used if the caller can be preempted (interrupts on and
 * preempt_count zero) and so moved to another CPU. Use it only where a
 * stale answer is harmless (log prefixes, statistics), and say why at the
 * call site.
 */
static inline struct cpu *raw_this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* One %gs-relative load: the count of the CPU this instruction runs on. */
static inline int cpu_preempt_count(void)
{
	int v;
	__asm__ volatile("movl %%gs:%c1, %0"
			 : "=r"(v)
			 : "i"(__builtin_offsetof(struct cpu, preempt_count)));
	return v;
}

/* True if the caller cannot move to another CPU: interrupts off (so no
 * preemption; handlers run so) or preemption disabled. */
static inline bool cpu_pinned(void)
{
	return !(read_rflags() & RFLAGS_IF) || cpu_preempt_count() > 0;
}

__attribute__((noreturn)) void this_cpu_unpinned(const char *site);

static inline struct cpu *this_cpu_at(const char *site)
{
	if (COHORT_DEBUG && !cpu_pinned())
		this_cpu_unpinned(site);
	return raw_this_cpu();
}

/* For a per-CPU action that reads no struct cpu (a local TLB flush, a
 * register of this CPU's LAPIC): the same check as this_cpu(). */
#define cpu_assert_pinned()                                                  \
	do {                                                                 \
		if (COHORT_DEBUG && !cpu_pinned())                           \
			this_cpu_unpinned(SPIN_SITE);                        \
	} while (0)

/* The calling CPU's struct cpu. The caller must not be able to move to
 * another CPU while it uses the answer: interrupts off, a spinlock held,
 * or preempt_disable() (kernel/preempt.h). Debug builds panic naming the
 * call site otherwise. */
#define this_cpu() this_cpu_at(SPIN_SITE)

/* Point GS base at `c` (and set c->self). Interrupts must be off. */
void cpu_set_current(struct cpu *c);

/* True once cpu_set_current() ran on the boot CPU: logging before that
 * prints "cpu?". */
extern int cpu_ready;

#endif
