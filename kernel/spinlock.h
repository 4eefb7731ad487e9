/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlocks: FIFO-fair, so no CPU starves under contention.
 *
 * spin_lock_irqsave() is the form to use for anything an interrupt handler
 * may also take. Every lock records its holder (CPU and call site) so a
 * recursion, or a lock held too long, panics naming the holder instead of
 * hanging silently. The lock order lives in docs/locking.md.
 *
 * A held spinlock disables preemption (kernel/preempt.h): the count goes up
 * before the lock is spun for and down after it is released, so a holder
 * never moves to another CPU and the owner CPU it records is the one that
 * holds it.
 *
 * Lock validation (debug builds, kernel/lockdep.c): every lock has a rank
 * from the table in docs/locking.md, looked up by its name; taking locks
 * out of rank order, or one lock class both in interrupt context and with
 * interrupts on, panics naming both call sites.
 *
 * Contract: never sleep holding a spinlock; never take one recursively.
 */
#ifndef COHORT_SPINLOCK_H
#define COHORT_SPINLOCK_H

#include <stdatomic.h>
#include <stdint.h>

struct spinlock {
	atomic_uint next;    /* ticket handed to the next arrival */
	atomic_uint serving; /* ticket now allowed in */
	const char *name;
	/* Written by the holder after it enters; read racily for reports. */
	int owner_cpu;	    /* -1 when free */
	/* Lock validation: index + 1 of the lock's entry in the rank table
	 * (kernel/lockdep.c); 0 until the first acquire looks the name up.
	 * Racy but idempotent: every writer stores the same value. */
	uint16_t lock_class;
	const char *owner_site;
};

#define SPINLOCK_INIT(n) { 0, 0, (n), -1, 0, 0 }

#define SPIN_STR2(x) #x
#define SPIN_STR(x) SPIN_STR2(x)
#define SPIN_SITE __FILE__ ":" SPIN_STR(__LINE__)

/* `site` names the caller for reports (file:line); `ip` is a return
 * address inside the caller, symbolized in lock-validation reports (the
 * scheduler's locks all come through one glue function, so for them only
 * the address tells the sites apart). */
void spin_lock_ip(struct spinlock *l, const char *site, uintptr_t ip);
int spin_trylock_ip(struct spinlock *l, const char *site, uintptr_t ip);
void spin_unlock_ip(struct spinlock *l, const char *site, uintptr_t ip);
int spin_held_by_me(struct spinlock *l);

#define SPIN_IP ((uintptr_t)__builtin_return_address(0))
#define spin_lock_at(l, site) spin_lock_ip((l), (site), 0)
#define spin_lock(l) spin_lock_ip((l), SPIN_SITE, 0)
/* Take the lock only if it is free right now; returns 1 if taken. */
#define spin_trylock(l) spin_trylock_ip((l), SPIN_SITE, 0)
#define spin_unlock(l) spin_unlock_ip((l), SPIN_SITE, 0)
/* Disable interrupts, then lock; returns the previous RFLAGS. */
#define spin_lock_irqsave(l) spin_lock_irqsave_at((l), SPIN_SITE)
uint64_t spin_lock_irqsave_at(struct spinlock *l, const char *site);
#define spin_unlock_irqrestore(l, f) spin_unlock_irqrestore_at((l), (f), SPIN_SITE)
void spin_unlock_irqrestore_at(struct spinlock *l, uint64_t flags,
			       const char *site);

/* One entry of a CPU's held-locks stack (struct cpu, lock validation). */
struct held_lock {
	struct spinlock *lock;
	const char *site;
	uintptr_t ip;
	int irq_depth; /* the CPU's interrupt nesting when it was taken */
};

#endif
