/* SPDX-License-Identifier: MIT */
/*
 * Preemption control: the one mechanism that keeps a thread on its CPU.
 *
 * A thread may be preempted (and so moved to another CPU) only at the end
 * of an interrupt, in sched_glue_irq_exit(), and only when this CPU's
 * preempt_count (struct cpu) is zero. Every spinlock holds one count while
 * held; preempt_disable() adds one for a sequence that uses "this CPU"
 * without a lock (a local TLB flush and then IPIs to the others, the CPU id
 * captured for a call-function). Interrupts off also pins the caller, but
 * a sequence that must wait for other CPUs needs interrupts on, hence the
 * count.
 *
 * A preemption that falls due while the count is nonzero is deferred (the
 * scheduler's timer retries shortly, sched_glue.c), never lost.
 *
 * Never block with preemption disabled. docs/locking.md has the rules.
 */
#ifndef COHORT_PREEMPT_H
#define COHORT_PREEMPT_H

#include "cpu.h"

__attribute__((noreturn)) void preempt_underflow(void);

/* One instruction: the increment lands on the CPU it runs on, whatever
 * happens before or after it. */
static inline void preempt_disable(void)
{
	__asm__ volatile("incl %%gs:%c0"
			 :
			 : "i"(__builtin_offsetof(struct cpu, preempt_count))
			 : "memory");
}

/* Undo one preempt_disable(). A preemption deferred meanwhile happens at
 * the next interrupt exit (at most PREEMPT_RETRY_NS later). */
static inline void preempt_enable(void)
{
	if (COHORT_DEBUG && cpu_preempt_count() <= 0)
		preempt_underflow();
	__asm__ volatile("decl %%gs:%c0"
			 :
			 : "i"(__builtin_offsetof(struct cpu, preempt_count))
			 : "memory");
}

#endif
