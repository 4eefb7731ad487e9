// SPDX-License-Identifier: MIT
#include "spinlock.h"

#include "arch/x86.h"
#include "cpu.h"
#include "panic.h"

/* Spins (pause loops) before a waiter declares the holder stuck: several
 * seconds on any CPU this runs on, far beyond any legitimate hold. */
#define SPIN_STUCK_LIMIT (1ULL << 31)

static int my_cpu(void)
{
	return cpu_ready ? this_cpu()->id : 0;
}

void spin_lock_at(struct spinlock *l, const char *site)
{
	int me = my_cpu();

	if (l->owner_cpu == me &&
	    atomic_load_explicit(&l->serving, memory_order_relaxed) !=
		    atomic_load_explicit(&l->next, memory_order_relaxed))
		panic("spinlock %s: recursive acquire at %s, held since %s",
		      l->name, site, l->owner_site);
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
	if (cpu_ready)
		this_cpu()->locks_held++;
}

int spin_trylock_at(struct spinlock *l, const char *site)
{
	unsigned serving = atomic_load_explicit(&l->serving, memory_order_relaxed);
	unsigned next = serving;
	/* Free means next == serving; claim that ticket in one step. */
	if (!atomic_compare_exchange_strong_explicit(&l->next, &next, serving + 1,
						     memory_order_acquire,
						     memory_order_relaxed))
		return 0;
	l->owner_cpu = my_cpu();
	l->owner_site = site;
	if (cpu_ready)
		this_cpu()->locks_held++;
	return 1;
}

void spin_unlock(struct spinlock *l)
{
	if (cpu_ready)
		this_cpu()->locks_held--;
	l->owner_cpu = -1;
	l->owner_site = 0;
	/* Only the holder writes `serving`, so a plain increment with
	 * release order is enough. */
	unsigned s = atomic_load_explicit(&l->serving, memory_order_relaxed);
	atomic_store_explicit(&l->serving, s + 1, memory_order_release);
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
	spin_lock_at(l, site);
	return f;
}

void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	spin_unlock(l);
	irq_restore(flags);
}
