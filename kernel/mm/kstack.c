// SPDX-License-Identifier: MIT
/*
 * Guarded kernel stacks (see kstack.h).
 *
 * Slot reuse and remote TLBs. Freeing unmaps the pages locally (invlpg)
 * and hands them back to pmm at once, but other CPUs may still hold TLB
 * entries for the old mapping. Those are harmless while the virtual slot
 * stays unused: nothing dereferences a dead stack's addresses (the thread
 * was joined after it switched away for good), so a stale translation to
 * a page that pmm has handed to someone else is never used. They would
 * not be harmless once the slot is reused: a new stack in the same slot
 * could be read or written through the stale translation to the old page
 * on another CPU. So a freed slot goes on the `dirty` list, and dirty
 * slots become `clean` (reusable) only after one tlb_shootdown() of
 * everything, done when the fresh slots and the clean list have run out:
 * one shootdown per thousands of frees. Stack pages are never global
 * (no PTE_G), so the CR3 reload that shootdown does drops them.
 */
#include "kstack.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "../../smp/smp.h"
#include "../arch/x86.h"
#include "../cpu.h"
#include "../panic.h"
#include "../spinlock.h"
#include "layout.h"
#include "pmm.h"

_Static_assert(MAX_CPUS * (1 + IST_COUNT) <= KSTACK_SLOTS / 2,
	       "every CPU's own stacks leave half the slots to threads");
#include "vmm.h"

#define NO_SLOT (-1)
#define FIXED_MAX 8
#define PML4_SHIFT 39

struct slot {
	/* Lowest mapped address, 0 while the slot has no stack. Written with
	 * release after every other field; the lock-free readers (fault
	 * paths) load it with acquire, then read the rest. */
	_Atomic uint64_t lo;
	enum kstack_kind kind;
	int cpu;
	const char *what;
	const struct thread *_Atomic thread;
};

static struct slot slots[KSTACK_SLOTS];

/* Protects: next_fresh, clean, dirty, next_free[] (except the links of a
 * dirty list taken out for recycling: its taker owns them until it puts
 * them on `clean`), recycling, in_use. Leaf lock: page mapping, freeing
 * and the shootdown happen outside it. */
static struct spinlock kstack_lock = SPINLOCK_INIT("kstack");
static int next_fresh;		     /* slots below this have been used */
static int clean = NO_SLOT;	     /* freed and shot down: reusable */
static int dirty = NO_SLOT;	     /* freed, remote TLBs may remember */
static int32_t next_free[KSTACK_SLOTS]; /* links of both lists */
static int recycling; /* CPUs shooting down a taken dirty list */
static int in_use;

/* Written at boot on the BSP only, before any other CPU runs. */
static struct {
	uint64_t lo, hi;
	const char *what;
} fixed[FIXED_MAX];
static int nfixed;

static uint64_t slot_base(int i)
{
	return KSTACK_REGION_BASE + (uint64_t)i * KSTACK_SLOT_SIZE;
}

static int slot_of(uint64_t addr)
{
	if (addr < KSTACK_REGION_BASE || addr >= KSTACK_REGION_END)
		return NO_SLOT;
	return (int)((addr - KSTACK_REGION_BASE) / KSTACK_SLOT_SIZE);
}

void kstack_init(void)
{
	/* All the region's page tables now, once: the AP trampoline's page
	 * tables copy the kernel half's PML4 entries (smp/boot.c), so the
	 * region's entry must exist before any AP starts; and with the
	 * tables in place, stacks coming and going never change the free
	 * page count (the self-tests' leak checks are exact). */
	if (vmm_alloc_tables(KSTACK_REGION_BASE, KSTACK_REGION_END - KSTACK_REGION_BASE))
		panic("kstack: cannot create the stack region's page tables");
	STATIC_ASSERT((KSTACK_REGION_BASE >> PML4_SHIFT & 511) ==
			      ((KSTACK_REGION_END - 1) >> PML4_SHIFT & 511),
		      "the stack region spans one PML4 entry");
}

static int take_slot(void)
{
	int i, recycle;
	for (;;) {
		uint64_t f = spin_lock_irqsave(&kstack_lock);
		i = recycle = NO_SLOT;
		bool wait = false;
		if (clean != NO_SLOT) {
			i = clean;
			clean = next_free[i];
		} else if (next_fresh < KSTACK_SLOTS) {
			i = next_fresh++;
		} else if (dirty != NO_SLOT) {
			recycle = dirty; /* ours now: shoot down, then reuse */
			dirty = NO_SLOT;
			recycling++;
		} else {
			/* Another CPU may be recycling the dirty list right
			 * now: wait for its slots rather than fail. */
			wait = recycling > 0;
		}
		spin_unlock_irqrestore(&kstack_lock, f);
		if (!wait)
			break;
		cpu_relax();
	}
	if (recycle == NO_SLOT)
		return i; /* a slot, or NO_SLOT: all in use */

	if (cpu_online_count() > 1)
		tlb_shootdown(0, 0);
	else
		write_cr3(read_cr3()); /* boot, one CPU: a local flush is all */
	i = recycle;
	int last = i;
	while (next_free[last] != NO_SLOT)
		last = next_free[last];
	uint64_t f = spin_lock_irqsave(&kstack_lock);
	next_free[last] = clean;
	clean = next_free[i];
	recycling--;
	spin_unlock_irqrestore(&kstack_lock, f);
	return i;
}

static void put_dirty(int i)
{
	uint64_t f = spin_lock_irqsave(&kstack_lock);
	next_free[i] = dirty;
	dirty = i;
	spin_unlock_irqrestore(&kstack_lock, f);
}

static void unmap_and_free(uint64_t lo, uint64_t hi)
{
	for (uint64_t va = lo; va < hi; va += PAGE_SIZE) {
		int64_t phys = vmm_unmap_page(va);
		if (phys >= 0)
			pmm_free_pages((uint64_t)phys, 1);
	}
}

uint64_t kstack_alloc(int pages, enum kstack_kind kind, int cpu,
		      const char *what)
{
	ASSERT(pages >= 1 && (uint64_t)pages <= KSTACK_MAX_PAGES);
	int i = take_slot();
	if (i == NO_SLOT)
		return 0;
	uint64_t hi = slot_base(i) + KSTACK_SLOT_SIZE;
	uint64_t lo = hi - (uint64_t)pages * PAGE_SIZE;
	for (uint64_t va = lo; va < hi; va += PAGE_SIZE) {
		uint64_t p = pmm_alloc_pages(1); /* zeroed */
		if (!p || vmm_map_page(va, p, VMM_WRITE | VMM_NX)) {
			if (p)
				pmm_free_pages(p, 1);
			unmap_and_free(lo, va);
			put_dirty(i);
			return 0;
		}
	}
	struct slot *s = &slots[i];
	s->kind = kind;
	s->cpu = cpu;
	s->what = what;
	atomic_store_explicit(&s->thread, 0, memory_order_relaxed);
	atomic_store_explicit(&s->lo, lo, memory_order_release);
	uint64_t f = spin_lock_irqsave(&kstack_lock);
	in_use++;
	spin_unlock_irqrestore(&kstack_lock, f);
	return hi;
}

void kstack_set_thread(uint64_t top, const struct thread *t)
{
	int i = slot_of(top - 1);
	ASSERT(i != NO_SLOT && atomic_load(&slots[i].lo));
	atomic_store_explicit(&slots[i].thread, t, memory_order_release);
}

void kstack_free(uint64_t top)
{
	int i = slot_of(top - 1);
	ASSERT(i != NO_SLOT && top == slot_base(i) + KSTACK_SLOT_SIZE);
	uint64_t lo = atomic_exchange_explicit(&slots[i].lo, 0,
					       memory_order_acq_rel);
	ASSERT(lo != 0); /* a double free */
	atomic_store_explicit(&slots[i].thread, 0, memory_order_relaxed);
	unmap_and_free(lo, top);
	uint64_t f = spin_lock_irqsave(&kstack_lock);
	in_use--;
	spin_unlock_irqrestore(&kstack_lock, f);
	put_dirty(i);
}

void kstack_register_fixed(uint64_t lo, uint64_t hi, const char *what)
{
	ASSERT(nfixed < FIXED_MAX);
	fixed[nfixed].lo = lo;
	fixed[nfixed].hi = hi;
	fixed[nfixed].what = what;
	nfixed++;
}

static void fill(int i, uint64_t lo, struct kstack_info *info)
{
	const struct slot *s = &slots[i];
	info->kind = s->kind;
	info->lo = lo;
	info->hi = slot_base(i) + KSTACK_SLOT_SIZE;
	info->thread = atomic_load_explicit(&s->thread, memory_order_acquire);
	info->cpu = s->cpu;
	info->what = s->what;
}

int kstack_find(uint64_t addr, struct kstack_info *info)
{
	int i = slot_of(addr);
	if (i != NO_SLOT) {
		uint64_t lo = atomic_load_explicit(&slots[i].lo,
						   memory_order_acquire);
		if (!lo || addr < lo)
			return -1;
		fill(i, lo, info);
		return 0;
	}
	for (int f = 0; f < nfixed; f++)
		if (addr >= fixed[f].lo && addr < fixed[f].hi) {
			*info = (struct kstack_info){
				.kind = KSTACK_FIXED,
				.lo = fixed[f].lo,
				.hi = fixed[f].hi,
				.cpu = -1,
				.what = fixed[f].what,
			};
			return 0;
		}
	return -1;
}

int kstack_guard_hit(uint64_t addr, struct kstack_info *info)
{
	int i = slot_of(addr);
	if (i == NO_SLOT)
		return -1;
	uint64_t lo = atomic_load_explicit(&slots[i].lo, memory_order_acquire);
	if (!lo || addr >= lo)
		return -1;
	fill(i, lo, info);
	return 0;
}

int kstack_in_use(void)
{
	uint64_t f = spin_lock_irqsave(&kstack_lock);
	int n = in_use;
	spin_unlock_irqrestore(&kstack_lock, f);
	return n;
}
