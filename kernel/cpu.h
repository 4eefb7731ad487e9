/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state. Each CPU reaches its own struct cpu through the GS base
 * (this_cpu()); the index is the dense logical id, 0 = BSP, never the APIC
 * id. It holds what is truly per CPU: descriptor tables and exception
 * stacks, the timer queue, statistics, the reschedule mailbox and the
 * count of spinlocks held. The run queues live in sched/ (indexed by the
 * same id); the AP start-up slots in smp/boot.c.
 *
 * Read next: kernel/gdt.c (what the descriptor tables hold), smp/smp.h.
 */
#ifndef COHORT_CPU_H
#define COHORT_CPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpumask.h"
#include "gdt.h"
#include "timer.h"

#define MAX_CPUS 256
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
	/* Set before the CPU runs; read-only afterwards. */
	int id;		  /* logical id, 0 = BSP */
	uint32_t apic_id; /* may be sparse; never an index */
	uint32_t acpi_uid;
	/* Written by the BSP before the CPU starts, then by the CPU itself
	 * (release); others read it with acquire (cpu_online()). */
	enum cpu_state state;
	/* Owned by this CPU. */
	/* Spinlocks held on this CPU right now (whichever thread took them:
	 * the scheduler hands its run-queue lock across a switch). Nonzero
	 * means "do not preempt here" (kernel/sched_glue.c). */
	int locks_held;
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
};

_Static_assert(MAX_CPUS <= CPUMASK_BITS, "cpumask too small for MAX_CPUS");

extern struct cpu cpus[MAX_CPUS];

/* Online CPUs. Set by each CPU for itself when it is ready for work,
 * atomically; read by anyone. */
extern struct cpumask cpu_online_mask;
void cpu_mark_online(struct cpu *c);
bool cpu_online(int cpu);
int cpu_online_count(void);
/* Fill list[] with the online logical ids below `limit`, in order; returns
 * how many. list must hold `limit` entries. */
int cpu_online_list(int *list, int limit);

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* Point GS base at `c` (and set c->self). Interrupts must be off. */
void cpu_set_current(struct cpu *c);

/* True once cpu_set_current() ran on the boot CPU: logging before that
 * prints "cpu?". */
extern int cpu_ready;

#endif
