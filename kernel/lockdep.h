/* SPDX-License-Identifier: MIT */
/*
 * Lock validation for debug builds (COHORT_DEBUG): ranks and interrupt
 * usage, checked at every acquisition by kernel/spinlock.c.
 *
 * Every lock class has a rank; the table in lockdep.c is the one in
 * docs/locking.md, entry for entry. A CPU may take a lock only if its rank
 * is above the rank of every lock it already holds in the same context
 * (an interrupt handler starts a new context: the locks of the code it
 * interrupted, necessarily taken with interrupts on, are not ordered
 * against its own). Two locks of one rank nest only if the class says so
 * (run queues, by address). Per class it also records the first site that
 * took it in interrupt context and the first that took it with interrupts
 * on: both together mean an interrupt can arrive while the lock is held
 * and spin on it forever. Violations panic naming both sites.
 *
 * Does not: check try-locks (they cannot deadlock), or run once a panic
 * has begun.
 */
#ifndef COHORT_LOCKDEP_H
#define COHORT_LOCKDEP_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock;

/* Rank of the scheduler's lock named `name` (sched_glue.c's
 * arch_spin_init): "sched_attr", "rq", "sched_threads"; any other name is
 * a wait queue. Returns the class index to store in lock_class. */
uint16_t lockdep_sched_class(const char *name);

/* Called by spinlock.c with preemption disabled. */
void lockdep_acquire(struct spinlock *l, const char *site, uintptr_t ip,
		     bool trylock);
void lockdep_release(struct spinlock *l, const char *site, uintptr_t ip);

/* The rank a lock's class has, for tests and reports (-1: unknown). */
int lockdep_rank(struct spinlock *l);

/* Stop validating (a panic has begun, or a report is being made). */
void lockdep_off(void);

#endif
