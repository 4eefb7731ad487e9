/* SPDX-License-Identifier: MIT */
/*
 * Interrupt and exception entry. Every vector has a stub (isr.S) that builds
 * a struct trap_frame and calls trap_dispatch(). Exceptions (0-31) are
 * fatal for now: one report (vector name, error code decoded, RIP with
 * symbol, CR2 for page faults, all registers, backtrace), then the failure
 * exit. A #PF or #DF whose address is in a stack's guard page is first
 * named: "stack overflow in thread X on cpuN" (kernel/mm/kstack.h). A
 * fault on the CPU that is already printing a fatal report prints one
 * "FATAL: ..." line and still stops the machine (kernel/panic.h). Other
 * vectors go to handlers registered with trap_set_handler(); the vector
 * map is in docs/interrupts.md.
 */
#ifndef COHORT_TRAP_H
#define COHORT_TRAP_H

#include <stdint.h>

/* Layout fixed by isr.S: general registers pushed by the stub (last pushed
 * first), then vector and error code, then the CPU's own frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S frame layout");

#define VEC_NMI 2
#define VEC_DOUBLE_FAULT 8
#define VEC_PAGE_FAULT 14
#define VEC_MACHINE_CHECK 18
#define VEC_FIRST_EXTERNAL 32
#define VEC_COUNT 256

typedef void (*trap_handler_fn)(struct trap_frame *);

/* Load the IDT on this CPU (the table itself is shared). */
void idt_init(void);
void idt_load(void);
/* Install a handler for an external vector (>= 32). Not locked: call
 * during boot before the vector can fire. */
void trap_set_handler(int vector, trap_handler_fn fn);

void trap_dispatch(struct trap_frame *f);

#endif
