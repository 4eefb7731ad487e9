/* SPDX-License-Identifier: MIT */
/*
 * The scheduler's only window to the machine. sched/ includes nothing else
 * machine-specific: the kernel implements these in one glue file, and the
 * simulator (tools/schedsim/sim.c) and unit tests implement them with N
 * simulated CPUs and a simulated clock.
 *
 * Contract for implementers:
 * - arch_now_ns(): monotonic, agrees on all CPUs. sched/ reads it once per
 *   entry point and passes the value down; classes never read the clock.
 * - arch_this_cpu(): dense logical id of the calling CPU (0 = BSP).
 * - arch_send_resched(cpu): make `cpu` call sched_ipi() soon (an IPI). Never
 *   called for the calling CPU itself.
 * - arch_set_timer(deadline_ns): program THIS CPU's one-shot timer to call
 *   sched_timer_event() at or after deadline_ns; SCHED_TIMER_NONE cancels.
 *   A deadline in the past fires as soon as possible. Replaces any earlier
 *   programming.
 * - arch_switch(prev, next): save prev's context, resume next. Called with
 *   this CPU's run-queue lock held and interrupts off; the lock is released
 *   by whoever runs next on this CPU, in sched_finish_switch(). A thread
 *   that ran before resumes inside its own arch_switch call, and sched/
 *   calls sched_finish_switch() for it on return; a NEW thread's first
 *   instructions (set up by the glue) must call sched_finish_switch()
 *   themselves, then enable interrupts. The simulator only records that
 *   `next` now runs and returns at once, which is the same sequence.
 * - arch_irq_save()/arch_irq_restore(): disable local interrupts, returning
 *   the previous state; restore it.
 * - arch_in_irq(): true inside an interrupt handler (no blocking; a needed
 *   reschedule happens at interrupt exit through sched_ipi/timer paths).
 * - arch_preemptible(): false when the calling thread may not be switched
 *   out right now although it is not in an interrupt (the kernel: it holds
 *   a spinlock of its own, or disabled preemption). sched/ then leaves a
 *   reschedule it would do after a wakeup noted, and the platform must act
 *   on it soon (the kernel arms a short retry timer).
 * - arch_spin_*: a non-recursive spinlock, struct sched_lock. The kernel
 *   wraps its ticket lock (kernel/spinlock.h) in the glue file; the
 *   simulator's is a checked flag. arch_spin_held() is for assertions.
 * - arch_alloc(size): `size` bytes of zeroed memory, aligned for any
 *   scheduler type, or NULL. Called only at init (sched_init(): per-CPU
 *   tables sized by the CPU count; sched_domains_create(): the domains),
 *   so never with a lock held or interrupts off;
 *   arch_free() gives one back (sched_init() frees the previous tables when
 *   it runs again, as the simulator does per run; NULL is a no-op).
 * - arch_log(): one line of text, no trailing newline needed.
 * - arch_assert_fail(): does not return (kernel: panic; host: abort).
 * - arch_trace_event(): one trace record (struct sched_trace_rec in
 *   sched.h); the kernel copies it into a per-CPU ring, the simulator
 *   writes it with sched_trace_format() (trace format v2,
 *   docs/tracing.md). May drop records; must not block or take scheduler
 *   locks. Called with this CPU's run-queue lock held or interrupts off.
 *
 * Read next: sched.h (what the rest of the kernel calls).
 */
#ifndef COHORT_SCHED_ARCH_H
#define COHORT_SCHED_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCHED_TIMER_NONE UINT64_MAX

/*
 * Opaque storage for the platform's spinlock. Sized for the kernel's ticket
 * lock (two counters, name, owner cpu, owner site) with room to grow; the
 * glue file STATIC_ASSERTs that its lock fits. sched/ never looks inside.
 */
struct sched_lock {
	_Alignas(8) unsigned char opaque[48];
	const char *name; /* for reports; set by arch_spin_init */
};

uint64_t arch_now_ns(void);
int arch_this_cpu(void);
void arch_send_resched(int cpu);
void arch_set_timer(uint64_t deadline_ns);

struct thread;
void arch_switch(struct thread *prev, struct thread *next);

uint64_t arch_irq_save(void);
void arch_irq_restore(uint64_t flags);
bool arch_in_irq(void);
bool arch_preemptible(void);

void arch_spin_init(struct sched_lock *l, const char *name);
void arch_spin_lock(struct sched_lock *l);
void arch_spin_unlock(struct sched_lock *l);
bool arch_spin_held(const struct sched_lock *l);

void *arch_alloc(size_t size);
void arch_free(void *p);

void arch_log(const char *line);
struct sched_trace_rec;
void arch_trace_event(const struct sched_trace_rec *r);
__attribute__((noreturn)) void arch_assert_fail(const char *cond,
						 const char *file, int line);

#endif
