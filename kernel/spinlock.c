// SPDX-License-Identifier: MIT
#include "spinlock.h"

#include "arch/x86.h"
#include "cpu.h"
#include "lockdep.h"
#include "panic.h"
#include "preempt.h"

/* Spins (pause loops) before a waiter declares the holder stuck: several
 * seconds on any CPU this runs on, far beyond any legitimate hold. */
#define SPIN_STUCK_LIMIT (1ULL << 31)

/* Called with preemption disabled (or before per-CPU data exists), so the
 * answer stays true while the caller holds or waits for the lock. */
static int my_cpu(void)
{
	return cpu_ready ? raw_this_cpu()->id : 0;
}

/* Preemption goes off before the lock is spun for and back on only after
 * it is released: no window where the lock is held but its holder can be
 * moved, and owner_cpu is the CPU that really holds it. Before
 * cpu_set_current() there is no per-CPU count (and no scheduler). */
static void pin(void)
{
	if (cpu_ready)
		preempt_disable();
}

static void unpin(void)
{
	if (cpu_ready)
		preempt_enable();
}

void spin_lock_ip(struct spinlock *l, const char *site, uintptr_t ip)
{
	pin();
	int me = my_cpu();

	if (l->owner_cpu == me &&
	    atomic_load_explicit(&l->serving, memory_order_relaxed) !=
		    atomic_load_explicit(&l->next, memory_order_relaxed))
		panic("spinlock %s: recursive acquire at %s, held since %s",
		      l->name, site, l->owner_site);
	if (COHORT_DEBUG)
		lockdep_acquire(l, site, ip, false);
	unsigned t = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
	uint64_t spins = 0;
	while (atomic_load_explicit(&l->serving, memory_order_acquire) != t) {
		cpu_relax();
		if (++spins == SPIN_STUCK_LIMIT)
			panic("spinlock %s: stuck at %s; held by cpu%d since %s",
			      l->name, site, l->owner_cpu, l->owner_site);
	}
	l->owner_cpu = me;
	l->owner_site = site;
}

int spin_trylock_ip(struct spinlock *l, const char *site, uintptr_t ip)
{
	pin();
	unsigned serving = atomic_load_explicit(&l->serving, memory_order_relaxed);
	unsigned next = serving;
	/* Free means next == serving; claim that ticket in one step. */
	if (!atomic_compare_exchange_strong_explicit(&l->next, &next, serving + 1,
						     memory_order_acquire,
						     memory_order_relaxed)) {
		unpin();
		return 0;
	}
	l->owner_cpu = my_cpu();
	l->owner_site = site;
	if (COHORT_DEBUG)
		lockdep_acquire(l, site, ip, true);
	return 1;
}

void spin_unlock_ip(struct spinlock *l, const char *site, uintptr_t ip)
{
	if (COHORT_DEBUG)
		lockdep_release(l, site, ip);
	l->owner_cpu = -1;
	l->owner_site = 0;
	/* Only the holder writes `serving`, so a plain increment with
	 * release order is enough. */
	unsigned s = atomic_load_explicit(&l->serving, memory_order_relaxed);
	atomic_store_explicit(&l->serving, s + 1, memory_order_release);
	unpin();
}

int spin_held_by_me(struct spinlock *l)
{
	return l->owner_cpu == my_cpu() &&
	       atomic_load_explicit(&l->serving, memory_order_relaxed) !=
		       atomic_load_explicit(&l->next, memory_order_relaxed);
}

uint64_t spin_lock_irqsave_at(struct spinlock *l, const char *site)
{
	uint64_t f = irq_save();
	spin_lock_ip(l, site, 0);
	return f;
}

void spin_unlock_irqrestore_at(struct spinlock *l, uint64_t flags,
			       const char *site)
{
	spin_unlock_ip(l, site, 0);
	irq_restore(flags);
}
