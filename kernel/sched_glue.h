/* SPDX-License-Identifier: MIT */
/*
 * Kernel glue for sched/ (sched_glue.c): bring-up, the interrupt hooks and
 * the idle loop. sched/arch.h is the contract it implements.
 */
#ifndef COHORT_SCHED_GLUE_H
#define COHORT_SCHED_GLUE_H

#include <stdbool.h>
#include <stdint.h>

/* Reset the scheduler and apply the sched.* boot options. BSP, once,
 * before any CPU goes online. */
void sched_glue_init(void);
/* Put the calling CPU into the scheduler with its idle thread (every CPU,
 * interrupts off or on). The caller becomes that idle thread. */
void sched_glue_cpu_online(void);
/* Attach the scheduling domains from the published topology
 * (topology_describe, topology_nodes) and log one line, e.g.
 *   sched: domains: SMT 2, LLC 16, node 16, machine 32
 * BSP, once, right after topology_boot_summary(), interrupts on. Without
 * a topology (no memory for it) or on failure: one line, and the
 * scheduler stays flat (every CPU equally close), as before domains. */
void sched_glue_topology(void);
/* The idle thread's body: halt with interrupts on; never returns. */
void sched_glue_idle(void) __attribute__((noreturn));

/* Called by trap.c around every interrupt handler; the exit hook runs after
 * the EOI and may switch threads. */
void sched_glue_irq_enter(void);
void sched_glue_irq_exit(void);
/* The reschedule IPI arrived (smp/ipi.c). Interrupts off. */
void sched_glue_resched_ipi(void);
/* For tests: `cpu` has a reschedule IPI noted and not yet acted on. */
bool sched_glue_resched_noted(int cpu);

#endif
