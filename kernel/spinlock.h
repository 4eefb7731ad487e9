/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlocks: FIFO-fair, so no CPU starves under contention.
 *
 * spin_lock_irqsave() is the form to use for anything an interrupt handler
 * may also take. Every lock records its holder (CPU and call site) so a
 * recursion, or a lock held too long, panics naming the holder instead of
 * hanging silently. The lock order lives in docs/locking.md.
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
	const char *owner_site;
};

#define SPINLOCK_INIT(n) { 0, 0, (n), -1, 0 }

#define SPIN_STR2(x) #x
#define SPIN_STR(x) SPIN_STR2(x)
#define SPIN_SITE __FILE__ ":" SPIN_STR(__LINE__)

void spin_lock_at(struct spinlock *l, const char *site);
/* Take the lock only if it is free right now; returns 1 if taken. */
int spin_trylock_at(struct spinlock *l, const char *site);
void spin_unlock(struct spinlock *l);
int spin_held_by_me(struct spinlock *l);

#define spin_lock(l) spin_lock_at((l), SPIN_SITE)
#define spin_trylock(l) spin_trylock_at((l), SPIN_SITE)
/* Disable interrupts, then lock; returns the previous RFLAGS. */
#define spin_lock_irqsave(l) spin_lock_irqsave_at((l), SPIN_SITE)
uint64_t spin_lock_irqsave_at(struct spinlock *l, const char *site);
void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags);

#endif
