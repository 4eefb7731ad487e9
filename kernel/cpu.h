/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state. Each CPU reaches its own struct cpu through the GS base
 * (this_cpu()); the index is the dense logical id, 0 = BSP, never the APIC
 * id. The SMP issue grows this (APIC ids, run queue, IPI mailbox); for now
 * it carries what the boot CPU needs: its GDT, TSS and exception stacks.
 *
 * Read next: kernel/gdt.c (what the descriptor tables hold).
 */
#ifndef COHORT_CPU_H
#define COHORT_CPU_H

#include <stdint.h>

#include "gdt.h"

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
	int id; /* logical id, 0 = BSP */
	/* Owned by this CPU. */
	enum cpu_state state;
	struct gdt gdt;
	struct tss tss;
	/* Statistics, written only by this CPU. */
	uint64_t exceptions;
};

extern struct cpu cpus[MAX_CPUS];

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
